using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SpaceliftProxy.Diagnostics;

/// <summary>
/// Owns the service's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <c>SpaceliftProxy</c>, and every instrument of the service's own.
/// </summary>
internal sealed class ProxyTelemetry
{
    public const string Name = "SpaceliftProxy";

    /// <summary>Spans of the service's own, such as one per GraphQL operation sent to Spacelift.</summary>
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _cacheRequests;
    private readonly Histogram<double> _spaceliftDuration;
    private readonly Counter<long> _spaceliftErrors;
    private readonly Counter<long> _tokenRefreshes;
    private readonly Counter<long> _runActions;

    public ProxyTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _cacheRequests = meter.CreateCounter<long>(
            "spacelift_proxy.cache.requests", "{request}", "Cache look-ups by entry kind and outcome: hit, miss or stale.");
        _spaceliftDuration = meter.CreateHistogram<double>(
            "spacelift_proxy.spacelift.duration", "s", "Duration of GraphQL operations sent to Spacelift, retries included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _spaceliftErrors = meter.CreateCounter<long>(
            "spacelift_proxy.spacelift.errors", "{error}", "Failed GraphQL operations by operation and error kind.");
        _tokenRefreshes = meter.CreateCounter<long>(
            "spacelift_proxy.token.refreshes", "{refresh}", "Spacelift tokens obtained: exchanged for the API key, read from Redis, or rejected.");
        _runActions = meter.CreateCounter<long>(
            "spacelift_proxy.run.actions", "{action}", "Run triggers, confirmations and discards by outcome.");
    }

    public void RecordCacheRequest(string kind, string outcome) =>
        _cacheRequests.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", outcome));

    /// <param name="errorKind">Null for a successful operation.</param>
    public void RecordSpaceliftOperation(string operation, TimeSpan duration, string? errorKind)
    {
        var outcome = errorKind ?? "success";
        _spaceliftDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));
        if (errorKind is not null)
        {
            _spaceliftErrors.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("error.kind", errorKind));
        }
    }

    public void RecordTokenRefresh(string outcome) => _tokenRefreshes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <param name="action"><c>trigger</c>, <c>confirm</c> or <c>discard</c>.</param>
    public void RecordRunAction(string action, string outcome) =>
        _runActions.Add(1, new KeyValuePair<string, object?>("action", action), new KeyValuePair<string, object?>("outcome", outcome));
}
