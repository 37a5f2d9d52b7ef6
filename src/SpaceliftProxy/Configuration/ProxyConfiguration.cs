using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Configuration;

internal static class ProxyConfiguration
{
    /// <summary>Largest request body Kestrel accepts; larger ones get 413.</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    /// <summary>
    /// Adds the Backstage app-config files given with <c>--config</c> and binds every options class,
    /// validated at start-up.
    /// </summary>
    /// <remarks>
    /// The files rank above <c>appsettings*.json</c> and below environment variables and the
    /// command line, so an operator can override one value of a shared app-config file the usual way.
    /// </remarks>
    public static WebApplicationBuilder AddProxyConfiguration(this WebApplicationBuilder builder, StartupArguments startup)
    {
        if (startup.ConfigFiles.Count > 0)
        {
            var values = BackstageAppConfig.Load(startup.ConfigFiles, Environment.GetEnvironmentVariable, File.ReadAllText);
            var sources = builder.Configuration.Sources;
            var environmentIndex = FindUnprefixedEnvironmentSource(sources);
            sources.Insert(environmentIndex, new MemoryConfigurationSource { InitialData = values });
        }

        // The only body the service reads is a trigger's, at most 4 KB; anything far larger is refused early.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);

        var services = builder.Services;
        services.AddOptions<SpaceliftOptions>()
            .BindConfiguration(SpaceliftOptions.SectionName)
            .PostConfigure<IConfiguration>(ApplyBackstageEnvironmentNames)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SpaceliftOptions>, SpaceliftOptionsValidator>();

        services.AddOptions<SpaceliftResilienceOptions>()
            .BindConfiguration(SpaceliftResilienceOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SpaceliftResilienceOptions>, SpaceliftResilienceOptionsValidator>();

        services.AddOptions<ShutdownOptions>()
            .BindConfiguration(ShutdownOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ShutdownOptions>, ShutdownOptionsValidator>();

        services.AddOptions<CacheOptions>()
            .BindConfiguration(CacheOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CacheOptions>, CacheOptionsValidator>();

        services.AddOptions<CatalogOptions>()
            .BindConfiguration(CatalogOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CatalogOptions>, CatalogOptionsValidator>();

        return builder;
    }

    /// <summary>
    /// Reads the key id and secret from <c>SPACELIFT_API_KEY</c> and <c>SPACELIFT_API_SECRET</c>,
    /// the names Backstage hosting providers document, when the .NET settings are not set.
    /// </summary>
    private static void ApplyBackstageEnvironmentNames(SpaceliftOptions options, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            options.ApiKey = configuration["SPACELIFT_API_KEY"] ?? "";
        }

        if (string.IsNullOrWhiteSpace(options.ApiSecret))
        {
            options.ApiSecret = configuration["SPACELIFT_API_SECRET"] ?? "";
        }

        options.ApiKey = options.ApiKey.Trim();
    }

    private static int FindUnprefixedEnvironmentSource(IList<IConfigurationSource> sources)
    {
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                return i;
            }
        }

        return sources.Count;
    }
}
