using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Configuration;

namespace SpaceliftProxy.Spacelift;

internal static class SpaceliftServiceCollectionExtensions
{
    /// <summary>Registers the typed Spacelift client, its token source and its HTTP pipeline.</summary>
    public static IServiceCollection AddSpaceliftClient(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SpaceliftTokenSource>();
        services.AddSingleton<SpaceliftClient>();
        services.AddTransient<SpaceliftTokenHandler>();

        services.AddHttpClient(SpaceliftTokenSource.ExchangeClientName, ConfigureHttpClient);
        services.AddHttpClient(SpaceliftClient.HttpClientName, ConfigureHttpClient)
            .AddHttpMessageHandler<SpaceliftTokenHandler>();

        return services;
    }

    private static void ConfigureHttpClient(IServiceProvider services, HttpClient client)
    {
        var options = services.GetRequiredService<IOptions<SpaceliftOptions>>().Value;
        client.BaseAddress = options.Host.GraphQLEndpoint;
        client.Timeout = options.Timeout;
        client.DefaultRequestHeaders.UserAgent.ParseAdd("SpaceliftProxy/1.0");
    }
}
