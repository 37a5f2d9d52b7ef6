using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>
/// A stand-in for Spacelift's GraphQL API on 127.0.0.1, for tests, benchmarks and demos. It serves
/// <c>POST /graphql</c> from the service's schema file and, when enabled, control endpoints under
/// <c>/_fake/</c>.
/// </summary>
public sealed class FakeSpaceliftServer : IAsyncDisposable
{
    // Hanging requests end as soon as stopping begins, so this only bounds a misbehaving handler.
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private int _disposed;

    private FakeSpaceliftServer(FakeSpaceliftOptions options)
    {
        Options = options;
        Tokens = new FakeTokenStore(options.TimeProvider);
        Faults = new FakeFaults(Tokens);
        Data = FakeSpaceliftData.Generate(options.Seed, options.StackCount, options.TimeProvider.GetUtcNow(), options.ApiKeyId);
    }

    /// <summary>The root address, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public Uri GraphQLEndpoint => new(BaseAddress, "graphql");

    public FakeSpaceliftOptions Options { get; }

    public FakeSpaceliftData Data { get; }

    public FakeFaults Faults { get; }

    public FakeRequestLog Requests { get; } = new();

    internal FakeTokenStore Tokens { get; }

    /// <summary>Starts a stand-in; with <see cref="FakeSpaceliftOptions.Port"/> 0 it listens on a free port.</summary>
    public static async Task<FakeSpaceliftServer> StartAsync(FakeSpaceliftOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FakeSpaceliftOptions();
        options.Validate();

        var server = new FakeSpaceliftServer(options);
        try
        {
            await server.StartCoreAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Makes every token issued so far invalid, as if it had expired.</summary>
    public void RevokeTokens() => Faults.RevokeTokens();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Cancelling first releases hanging and delayed requests, so stopping does not wait for them.
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(ShutdownTimeout);
            try
            {
                await _app.StopAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Kestrel has closed the remaining connections by the time the token fires.
            }

            await _app.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        // The empty builder reads no appsettings or environment variables, so the settings of
        // whatever process hosts the stand-in cannot move it off 127.0.0.1 or change its logging.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeSpaceliftServer).Assembly.GetName().Name,
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, Options.Port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);

        var app = builder.Build();
        _app = app;

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<FakeSpaceliftServer>();
        var resolvers = new SpaceliftResolvers(Data, Tokens, Requests, Options, () => BaseAddress.GetLeftPart(UriPartial.Authority));
        var schema = SpaceliftSchemaFactory.Create(resolvers, [.. Options.ExtraStackStates]);
        var graphQL = new GraphQLEndpoint(schema, Faults, Requests, Tokens, Options.TimeProvider, logger, _stopping.Token);
        var control = Options.EnableControlEndpoints ? new ControlEndpoints(Faults, Requests) : null;

        app.Run(http =>
        {
            var path = http.Request.Path.Value ?? "";
            if (path == "/graphql")
            {
                return graphQL.HandleAsync(http);
            }

            if (control is not null && path.StartsWith(ControlEndpoints.Prefix, StringComparison.Ordinal))
            {
                return control.HandleAsync(http);
            }

            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(new Uri(address).GetLeftPart(UriPartial.Authority) + "/");
    }
}
