using SpaceliftProxy.Configuration;
using SpaceliftProxy.FakeSpacelift;

namespace SpaceliftProxy.Demo;

/// <summary>
/// The <c>--demo</c> switch: serves generated stacks and runs from the in-process Spacelift
/// stand-in, with no Spacelift account, no Redis and no Backstage credentials, on loopback only.
/// </summary>
internal sealed partial class DemoMode : IAsyncDisposable
{
    /// <summary>Where the demo listens unless <c>--urls</c> names another loopback address.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    private readonly FakeSpaceliftServer _spacelift;

    private DemoMode(FakeSpaceliftServer spacelift) => _spacelift = spacelift;

    /// <summary>Starts the stand-in and points the service at it; returns null without <c>--demo</c>.</summary>
    public static async Task<DemoMode?> StartIfRequestedAsync(WebApplicationBuilder builder, StartupArguments startup)
    {
        if (!startup.Demo)
        {
            return null;
        }

        var urls = builder.Configuration["urls"];
        if (string.IsNullOrWhiteSpace(urls))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        else if (!AreLoopback(urls))
        {
            throw new StartupException($"--demo listens on loopback only, but --urls is '{urls}'. Use an address such as http://127.0.0.1:5080.");
        }

        // Kestrel endpoints from configuration would listen beside --urls.
        foreach (var endpoint in builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is not { } url || !AreLoopback(url))
            {
                throw new StartupException($"--demo listens on loopback only, but Kestrel:Endpoints:{endpoint.Key} is '{endpoint["Url"]}'. Remove it or use a loopback address.");
            }
        }

        // Demo:SpaceliftPort fixes the stand-in's port, so a second instance can be pointed at it.
        var spaceliftPort = builder.Configuration.GetValue("Demo:SpaceliftPort", 0);
        var spacelift = await FakeSpaceliftServer.StartAsync(new FakeSpaceliftOptions { Port = spaceliftPort });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Spacelift:HostUrl"] = spacelift.BaseAddress.ToString(),
            ["Spacelift:ApiKey"] = spacelift.Options.ApiKeyId,
            ["Spacelift:ApiSecret"] = spacelift.Options.ApiKeySecret,
            ["Spacelift:ReadOnly"] = "false",
            ["ConnectionStrings:Redis"] = "",
            ["Backstage:Auth:DangerouslyDisableDefaultAuthPolicy"] = "true",
            ["Shutdown:DrainDelay"] = "00:00:00",
        });

        return new DemoMode(spacelift);
    }

    /// <summary>Logs where the demo answers once the server listens, and stops the stand-in with the service.</summary>
    public void Attach(WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Urls.Count > 0 ? app.Urls : [DefaultUrl];
            foreach (var address in addresses)
            {
                Log.Listening(app.Logger, address.TrimEnd('/') + PluginApi.BasePaths[0] + "/stacks", _spacelift.GraphQLEndpoint);
            }
        });
        app.Lifetime.ApplicationStopped.Register(() => DisposeAsync().AsTask().GetAwaiter().GetResult());
    }

    public ValueTask DisposeAsync() => _spacelift.DisposeAsync();

    private static bool AreLoopback(string urls) =>
        urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(url =>
            Uri.TryCreate(url.Replace("://*", "://wildcard", StringComparison.Ordinal).Replace("://+", "://wildcard", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            && (uri.IsLoopback || uri.Host == "localhost"));

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Demo mode: generated data, no credentials required. Stacks: {StacksUrl} (Spacelift stand-in at {SpaceliftEndpoint})")]
        public static partial void Listening(ILogger logger, string stacksUrl, Uri spaceliftEndpoint);
    }
}
