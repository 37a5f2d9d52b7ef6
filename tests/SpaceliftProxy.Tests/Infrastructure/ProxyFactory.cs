using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using SpaceliftProxy.FakeSpacelift;

namespace SpaceliftProxy.Tests.Infrastructure;

/// <summary>The service in a test host, configured with settings as an operator would give them.</summary>
public sealed class ProxyFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    /// <summary>Settings that point the service at a Spacelift stand-in, with Redis when a connection string is given.</summary>
    public static Dictionary<string, string?> SettingsFor(FakeSpaceliftServer spacelift, string? redis = null) => new()
    {
        ["Spacelift:HostUrl"] = spacelift.BaseAddress.ToString(),
        ["Spacelift:ApiKey"] = spacelift.Options.ApiKeyId,
        ["Spacelift:ApiSecret"] = spacelift.Options.ApiKeySecret,
        ["Spacelift:Timeout"] = "00:00:05",
        ["ConnectionStrings:Redis"] = redis ?? "",
        ["Backstage:Auth:DangerouslyDisableDefaultAuthPolicy"] = "true",
    };

    /// <summary>Starts the service against the stand-in, with Redis when a connection string is given.</summary>
    public static ProxyFactory For(FakeSpaceliftServer spacelift, string? redis = null, Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = SettingsFor(spacelift, redis);
        configure?.Invoke(settings);

        return new ProxyFactory(settings);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
    }
}
