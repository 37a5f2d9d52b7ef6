using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SpaceliftProxy.FakeSpacelift;

namespace SpaceliftProxy.Tests.Infrastructure;

/// <summary>The service in a test host, configured with settings as an operator would give them.</summary>
/// <param name="configureHost">Changes to the host after the service's own, such as a test clock or log sink.</param>
public sealed class ProxyFactory(IReadOnlyDictionary<string, string?> settings, Action<IWebHostBuilder>? configureHost = null)
    : WebApplicationFactory<Program>
{
    /// <summary>Services to add or replace after the service's own, such as an in-memory trace exporter.</summary>
    public Action<IServiceCollection>? ConfigureTestServices { get; init; }

    /// <summary>Settings that point the service at a Spacelift stand-in, with Redis when a connection string is given.</summary>
    public static Dictionary<string, string?> SettingsFor(FakeSpaceliftServer spacelift, string? redis = null) => new()
    {
        ["Spacelift:HostUrl"] = spacelift.BaseAddress.ToString(),
        ["Spacelift:ApiKey"] = spacelift.Options.ApiKeyId,
        ["Spacelift:ApiSecret"] = spacelift.Options.ApiKeySecret,
        ["Spacelift:Timeout"] = "00:00:05",
        ["ConnectionStrings:Redis"] = redis ?? "",
        ["Backstage:Auth:DangerouslyDisableDefaultAuthPolicy"] = "true",

        // Test hosts stop at once; shutdown tests set a drain delay of their own.
        ["Shutdown:DrainDelay"] = "00:00:00",
    };

    /// <summary>Starts the service against the stand-in, with Redis when a connection string is given.</summary>
    public static ProxyFactory For(
        FakeSpaceliftServer spacelift,
        string? redis = null,
        Action<Dictionary<string, string?>>? configure = null,
        Action<IServiceCollection>? services = null,
        Action<IWebHostBuilder>? configureHost = null)
    {
        var settings = SettingsFor(spacelift, redis);
        configure?.Invoke(settings);

        return new ProxyFactory(settings, configureHost) { ConfigureTestServices = services };
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        if (ConfigureTestServices is { } configure)
        {
            builder.ConfigureServices(configure);
        }

        configureHost?.Invoke(builder);
    }
}
