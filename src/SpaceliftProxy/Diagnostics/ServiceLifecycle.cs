using Microsoft.Extensions.Options;
using SpaceliftProxy.Configuration;

namespace SpaceliftProxy.Diagnostics;

/// <summary>
/// Tracks whether the service should receive traffic: not before start-up has finished, and not
/// from the moment shutdown begins. On shutdown it keeps the server open for
/// <see cref="ShutdownOptions.DrainDelay"/> with readiness already failing, so load balancers drain
/// it before it stops listening.
/// </summary>
internal sealed partial class ServiceLifecycle(
    IHostApplicationLifetime lifetime,
    IOptions<ShutdownOptions> options,
    TimeProvider time,
    ILogger<ServiceLifecycle> logger) : IHostedLifecycleService
{
    private volatile bool _started;
    private volatile bool _stopping;

    /// <summary>True between the end of start-up and the start of shutdown.</summary>
    public bool IsReady => _started && !_stopping;

    /// <summary>Why the service is not ready, or null when it is.</summary>
    public string? NotReadyReason => _stopping ? "Spacelift Proxy is shutting down" : _started ? null : "Spacelift Proxy has not started yet";

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _started = true);
        lifetime.ApplicationStopping.Register(() => _stopping = true);

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var delay = options.Value.DrainDelay;
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        Log.Draining(logger, delay);
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out; stop now.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Shutting down: readiness fails now, serving for {DrainDelay} more so load balancers can drain")]
        public static partial void Draining(ILogger logger, TimeSpan drainDelay);
    }
}
