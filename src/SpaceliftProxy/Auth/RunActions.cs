using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Diagnostics;

namespace SpaceliftProxy.Auth;

/// <summary>
/// What every route that changes Spacelift applies: the allow list, the audit log and, for
/// triggers, the per-caller rate limit.
/// </summary>
internal static class RunActions
{
    public const string TriggerRateLimitPolicy = "RunTriggers";

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // Six segments make the window slide every 10 s, so no caller gets twice the limit across a window edge.
    private const int SegmentsPerWindow = 6;

    /// <summary>
    /// Limits the route to callers on <c>Backstage:Auth:ActionAllowList</c> (403 otherwise), audits
    /// every call, and for <see cref="RunAction.Trigger"/> applies <c>Backstage:Auth:TriggersPerMinute</c> (429).
    /// </summary>
    public static RouteHandlerBuilder RequireRunAction(this RouteHandlerBuilder builder, RunAction action)
    {
        builder.RequireAuthorization(BackstageAuth.RunActionPolicy)
            .WithMetadata(new RunActionMetadata(action))
            .AddEndpointFilter<RunActionAuditFilter>()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        if (action == RunAction.Trigger)
        {
            builder.RequireRateLimiting(TriggerRateLimitPolicy)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
        }

        return builder;
    }

    /// <summary>Registers the trigger rate limit, one sliding window per caller.</summary>
    public static IServiceCollection AddRunActionRateLimiter(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(TriggerRateLimitPolicy, PartitionByCaller);
            options.OnRejected = OnRejectedAsync;
        });

    private static RateLimitPartition<string> PartitionByCaller(HttpContext context)
    {
        var perMinute = context.RequestServices.GetRequiredService<IOptions<BackstageAuthOptions>>().Value.TriggersPerMinute;
        if (perMinute == 0)
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        // Without the credentials barrier, anonymous callers are partitioned by IP address.
        var caller = context.Features.Get<BackstageCredentials>()?.Subject ?? $"anonymous:{context.Connection.RemoteIpAddress}";

        return RateLimitPartition.GetSlidingWindowLimiter(caller, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = Window,
            SegmentsPerWindow = SegmentsPerWindow,
            QueueLimit = 0,
        });
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var httpContext = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var leaseRetryAfter) ? leaseRetryAfter : Window / SegmentsPerWindow;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);

        var perMinute = httpContext.RequestServices.GetRequiredService<IOptions<BackstageAuthOptions>>().Value.TriggersPerMinute;
        var caller = httpContext.Features.Get<BackstageCredentials>()?.Subject ?? "This caller";
        var message = $"{caller} has triggered {perMinute} runs within the last minute, the limit set by Backstage:Auth:TriggersPerMinute. Try again in {seconds} s.";
        httpContext.RequestServices.GetRequiredService<RunActionAudit>().RateLimited(httpContext, message);

        await ErrorResponses.Problem(StatusCodes.Status429TooManyRequests, message).ExecuteAsync(httpContext);
    }
}
