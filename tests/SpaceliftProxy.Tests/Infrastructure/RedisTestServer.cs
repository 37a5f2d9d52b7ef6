using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Testcontainers.Redis;

namespace SpaceliftProxy.Tests.Infrastructure;

/// <summary>
/// A Redis for the tests, found in this order: the connection string in
/// <c>SPACELIFT_PROXY_TEST_REDIS</c>; a <c>redis-server</c> on the PATH, started on a free
/// loopback port; a Testcontainers container (a machine with Docker).
/// </summary>
public sealed class RedisTestServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "SPACELIFT_PROXY_TEST_REDIS";

    private readonly RedisContainer? _container;
    private readonly string? _binary;
    private readonly int _port;

    private RedisTestServer(string connectionString, string? binary = null, int port = 0, RedisContainer? container = null)
    {
        ConnectionString = connectionString;
        _binary = binary;
        _port = port;
        _container = container;
    }

    public string ConnectionString { get; private set; }

    /// <summary>True when the tests own this Redis and may stop and restart it.</summary>
    public bool CanRestart => _binary is not null || _container is not null;

    /// <summary>True when the tests started this Redis with DEBUG commands allowed, as needed to make it slow.</summary>
    public bool CanSleep => _binary is not null;

    private Process? CurrentProcess { get; set; }

    /// <summary>Finds or starts a Redis as described on the class.</summary>
    public static async Task<RedisTestServer> StartAsync(bool allowShared = true)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (allowShared && !string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return new RedisTestServer(fromEnvironment);
        }

        if (FindOnPath("redis-server") is { } binary)
        {
            var port = FreeLoopbackPort();
            var server = new RedisTestServer($"127.0.0.1:{port}", binary: binary, port: port);
            await server.StartProcessAsync();

            return server;
        }

        try
        {
            var container = new RedisBuilder("redis:7-alpine").Build();
            await container.StartAsync();

            return new RedisTestServer(container.GetConnectionString(), container: container);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                $"No Redis for the tests: {EnvironmentVariable} is not set, no redis-server is on the PATH, and Testcontainers could not start one ({ex.Message}). " +
                "Install redis-server (apt-get install redis-server) or set " + EnvironmentVariable + " to a connection string.", ex);
        }
    }

    /// <summary>Stops the server as if it crashed; its data is gone.</summary>
    public async Task StopAsync()
    {
        if (_container is not null)
        {
            await _container.StopAsync();
            return;
        }

        if (CurrentProcess is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>
    /// Freezes the server with SIGSTOP: connections stay open but nothing is answered, as with a
    /// Redis stuck on a slow disk or a network that drops packets.
    /// </summary>
    public void Freeze() => Signal("-STOP");

    /// <summary>Lets a frozen server run again.</summary>
    public void Thaw() => Signal("-CONT");

    /// <summary>Starts the server again on the same port.</summary>
    public async Task RestartAsync()
    {
        if (_container is not null)
        {
            await _container.StartAsync();
            ConnectionString = _container.GetConnectionString();
            return;
        }

        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        if (CurrentProcess is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        CurrentProcess?.Dispose();
    }

    private void Signal(string signal)
    {
        if (CurrentProcess is not { HasExited: false } process)
        {
            throw new InvalidOperationException("Only a redis-server started by the tests can be frozen.");
        }

        using var kill = Process.Start("kill", [signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private async Task StartProcessAsync()
    {
        if (_binary is null)
        {
            throw new InvalidOperationException("This Redis was not started by the tests and cannot be restarted.");
        }

        var start = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--enable-debug-command", "local" })
        {
            start.ArgumentList.Add(argument);
        }

        CurrentProcess?.Dispose();
        CurrentProcess = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_binary}.");
        CurrentProcess.OutputDataReceived += (_, _) => { };
        CurrentProcess.ErrorDataReceived += (_, _) => { };
        CurrentProcess.BeginOutputReadLine();
        CurrentProcess.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString + ",connectTimeout=500,abortConnect=true");
                await connection.GetDatabase().PingAsync();

                return;
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"redis-server on port {_port} did not answer within 10 seconds.");
    }

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
