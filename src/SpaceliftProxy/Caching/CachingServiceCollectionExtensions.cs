using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using SpaceliftProxy.Configuration;

namespace SpaceliftProxy.Caching;

internal static class CachingServiceCollectionExtensions
{
    /// <summary>Largest cached value; a stack list of some thousand stacks is a few megabytes.</summary>
    private const int MaximumPayloadBytes = 64 * 1024 * 1024;

    /// <summary>
    /// Registers HybridCache: process memory first, then Redis when <c>ConnectionStrings:Redis</c>
    /// is set; memory only otherwise.
    /// </summary>
    public static IServiceCollection AddProxyCaching(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<CacheKeys>();
        services.AddSingleton<ResponseCache>();
        services.AddHybridCache(options =>
        {
            options.MaximumPayloadBytes = MaximumPayloadBytes;
            options.MaximumKeyLength = 2048;
        });

        var connectionString = configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            ValidateConnectionString(connectionString);
            services.AddSingleton(provider => new RedisConnection(
                connectionString,
                provider.GetRequiredService<IOptions<CacheOptions>>(),
                provider.GetRequiredService<ILogger<RedisConnection>>(),
                provider.GetService<StackExchangeRedisInstrumentation>()));
            services.AddSingleton<IDistributedCache>(provider =>
            {
                var connection = provider.GetRequiredService<RedisConnection>();
                var redisCache = new RedisCache(Options.Create(new RedisCacheOptions { ConnectionMultiplexerFactory = connection.GetAsync }));

                return ActivatorUtilities.CreateInstance<FailSafeDistributedCache>(provider, redisCache);
            });
        }

        services.AddSingleton<CacheInvalidation>();
        services.AddHostedService(provider => provider.GetRequiredService<CacheInvalidation>());

        return services;
    }

    private static void ValidateConnectionString(string connectionString)
    {
        try
        {
            RedisConnectionString.Parse(connectionString);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new StartupException($"ConnectionStrings:Redis is invalid: {ex.Message}");
        }
    }
}
