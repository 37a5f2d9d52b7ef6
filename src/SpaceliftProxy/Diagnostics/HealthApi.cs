using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SpaceliftProxy.Caching;

namespace SpaceliftProxy.Diagnostics;

/// <summary>
/// Health endpoints: <c>{base}/health</c> as Backstage plugins answer it, and the root-level
/// liveness and readiness paths that Backstage's Helm chart probes. Readiness depends on start-up
/// and shutdown only, as Backstage's does, so a Spacelift outage does not take every replica out of
/// rotation; Redis being down shows as <c>degraded</c> with status 200.
/// </summary>
internal static class HealthApi
{
    private const string ReadinessTag = "ready";

    public static IServiceCollection AddProxyHealthChecks(this IServiceCollection services)
    {
        services.AddSingleton<ServiceLifecycle>();
        services.AddHostedService(provider => provider.GetRequiredService<ServiceLifecycle>());
        services.AddHealthChecks()
            .AddCheck<LifecycleHealthCheck>("lifecycle", tags: [ReadinessTag])
            .AddCheck<RedisHealthCheck>("redis", tags: [ReadinessTag]);

        return services;
    }

    /// <summary>Maps <c>{base}/health</c>, which Backstage plugins answer without credentials.</summary>
    public static RouteGroupBuilder MapPluginHealthApi(this RouteGroupBuilder api)
    {
        api.MapGet("/health", () => TypedResults.Ok(PluginHealthStatus.Ok))
            .AllowAnonymous()
            .WithTags("Health")
            .WithSummary("Answers while the service runs; needs no credentials.");

        return api;
    }

    /// <summary>Maps <c>/.backstage/health/v1/liveness</c> and <c>/readiness</c>.</summary>
    public static WebApplication MapProbeEndpoints(this WebApplication app)
    {
        var probes = app.MapGroup("").WithTags("Health");
        probes.MapGet(DiagnosticPaths.Liveness, Liveness)
            .WithSummary("Answers 200 while the process runs.");
        probes.MapGet(DiagnosticPaths.Readiness, ReadinessAsync)
            .WithSummary("Answers 200 between start-up and shutdown, 503 otherwise; a Redis outage shows as degraded.")
            .Produces<ProbeStatus>(StatusCodes.Status503ServiceUnavailable);

        return app;
    }

    public static Ok<ProbeStatus> Liveness() => TypedResults.Ok(new ProbeStatus("ok"));

    public static async Task<Results<Ok<ProbeStatus>, JsonHttpResult<ProbeStatus>>> ReadinessAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(registration => registration.Tags.Contains(ReadinessTag), cancellationToken);
        var redis = report.Entries.TryGetValue("redis", out var redisEntry) ? redisEntry.Description : null;

        return report.Status switch
        {
            HealthStatus.Healthy => TypedResults.Ok(new ProbeStatus("ok", Redis: redis)),
            HealthStatus.Degraded => TypedResults.Ok(new ProbeStatus("degraded", Redis: redis)),
            _ => TypedResults.Json(
                new ProbeStatus("error", report.Entries.Values.FirstOrDefault(entry => entry.Status == HealthStatus.Unhealthy).Description, redis),
                statusCode: StatusCodes.Status503ServiceUnavailable),
        };
    }

    private sealed class LifecycleHealthCheck(ServiceLifecycle lifecycle) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifecycle.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(lifecycle.NotReadyReason));
    }

    /// <summary>Reports Redis as <c>ok</c> or <c>unreachable</c> (degraded) when one is configured.</summary>
    private sealed class RedisHealthCheck(IServiceProvider services) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (services.GetService<RedisConnection>() is not { } redis)
            {
                return HealthCheckResult.Healthy();
            }

            var multiplexer = await redis.GetAsync();

            return multiplexer.IsConnected ? HealthCheckResult.Healthy("ok") : HealthCheckResult.Degraded("unreachable");
        }
    }
}

/// <summary>The body of a probe answer, in the shape Backstage's own health endpoints use.</summary>
/// <param name="Status"><c>ok</c>, <c>degraded</c> (Redis unreachable) or <c>error</c> (not ready).</param>
/// <param name="Message">Why the service is not ready.</param>
/// <param name="Redis"><c>ok</c> or <c>unreachable</c> when a Redis is configured.</param>
internal sealed record ProbeStatus(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Redis = null);

/// <summary>The body of <c>{base}/health</c>, <c>{"status":"ok"}</c>.</summary>
internal sealed record PluginHealthStatus(string Status)
{
    public static readonly PluginHealthStatus Ok = new("ok");
}
