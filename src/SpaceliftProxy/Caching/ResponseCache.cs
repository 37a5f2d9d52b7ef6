using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Diagnostics;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Caching;

/// <summary>Where a cached value came from.</summary>
internal enum CacheOutcome
{
    /// <summary>Served from memory or Redis within its lifetime.</summary>
    Hit,

    /// <summary>Fetched from Spacelift for this request, or for a concurrent one it waited for.</summary>
    Miss,

    /// <summary>Spacelift failed, so the last good copy was served instead.</summary>
    Stale,

    /// <summary>Spacelift was slow to refresh the entry, so the last good copy was served while the refresh carries on.</summary>
    StaleWhileRefreshing,
}

/// <summary>What one kind of cached Spacelift data is called, where it lives and for how long.</summary>
/// <param name="Kind">Entry kind for logs and metrics, such as <c>stacks</c>.</param>
/// <param name="Tags">Tags that invalidation removes the entry by.</param>
internal sealed record CacheEntry(string Kind, string Key, TimeSpan Lifetime, IReadOnlyCollection<string>? Tags = null);

/// <summary>A value with how it was obtained and when it was fetched from Spacelift.</summary>
internal sealed record CacheResult<T>(T Value, CacheOutcome Outcome, DateTimeOffset FetchedAt);

/// <summary>A cached value and when it was fetched; immutable, so memory hits share one instance.</summary>
[ImmutableObject(true)]
internal sealed record CacheEnvelope<T>(T Value, DateTimeOffset FetchedAt);

/// <summary>
/// Cache-aside for Spacelift reads: the one place that decides how long responses are reused and
/// what happens when Spacelift fails. Concurrent misses for a key share one fetch. Every good
/// fetch also stores a last good copy, kept for <see cref="CacheOptions.StaleIfErrorWindow"/>, which
/// is served when Spacelift is unavailable, slow or rate limiting.
/// </summary>
internal sealed partial class ResponseCache(
    HybridCache cache,
    IOptions<CacheOptions> options,
    ProxyTelemetry telemetry,
    TimeProvider time,
    ILogger<ResponseCache> logger)
{
    private static readonly HybridCacheEntryOptions ReadOnly = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite | HybridCacheEntryFlags.DisableUnderlyingData,
    };

    private readonly HybridCache _cache = cache;
    private readonly TimeProvider _time = time;
    private readonly TimeSpan _staleWindow = options.Value.StaleIfErrorWindow;
    private readonly TimeSpan _serveStaleAfter = options.Value.ServeStaleAfter;
    private readonly HybridCacheEntryOptions _lastGoodOptions = new()
    {
        Expiration = options.Value.StaleIfErrorWindow > TimeSpan.Zero ? options.Value.StaleIfErrorWindow : TimeSpan.FromSeconds(1),
        LocalCacheExpiration = options.Value.StaleIfErrorWindow > TimeSpan.Zero ? options.Value.StaleIfErrorWindow : TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// Returns the cached value of <paramref name="entry"/>, fetching it when it is missing or
    /// expired. Returns the last good copy instead when the fetch fails in a way that stale data can
    /// bridge, or when it takes longer than <see cref="CacheOptions.ServeStaleAfter"/>.
    /// </summary>
    public async Task<CacheResult<T>> GetOrFetchAsync<T>(CacheEntry entry, Func<CancellationToken, Task<T>> fetch, CancellationToken cancellationToken)
    {
        var state = new FetchState<T>(this, entry, fetch);
        var fetching = _cache.GetOrCreateAsync(
            entry.Key,
            state,
            static (fetchState, cancellation) => fetchState.FetchAsync(cancellation),
            FreshOptions(entry.Lifetime),
            entry.Tags,
            cancellationToken).AsTask();

        if (!fetching.IsCompleted && _serveStaleAfter > TimeSpan.Zero && _staleWindow > TimeSpan.Zero)
        {
            var slow = await Task.WhenAny(fetching, Task.Delay(_serveStaleAfter, _time, cancellationToken)) != fetching;
            if (slow && await ReadLastGoodAsync<T>(entry.Key, cancellationToken) is { } lastGood)
            {
                // The fetch carries on and fills the cache for the next request.
                _ = fetching.ContinueWith(static task => _ = task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                telemetry.RecordCacheRequest(entry.Kind, "stale_while_refreshing");
                Log.ServingStaleWhileSlow(logger, entry.Kind, entry.Key, _time.GetUtcNow() - lastGood.FetchedAt, _serveStaleAfter);

                return new CacheResult<T>(lastGood.Value, CacheOutcome.StaleWhileRefreshing, lastGood.FetchedAt);
            }
        }

        try
        {
            var envelope = await fetching;
            var outcome = state.Fetched ? CacheOutcome.Miss : CacheOutcome.Hit;
            telemetry.RecordCacheRequest(entry.Kind, outcome == CacheOutcome.Miss ? "miss" : "hit");

            return new CacheResult<T>(envelope.Value, outcome, envelope.FetchedAt);
        }
        catch (SpaceliftException ex) when (CanBridge(ex) && _staleWindow > TimeSpan.Zero)
        {
            var lastGood = await ReadLastGoodAsync<T>(entry.Key, cancellationToken);
            if (lastGood is null)
            {
                telemetry.RecordCacheRequest(entry.Kind, "error");
                throw;
            }

            telemetry.RecordCacheRequest(entry.Kind, "stale");
            Log.ServingStale(logger, entry.Kind, entry.Key, _time.GetUtcNow() - lastGood.FetchedAt, ex.GetType().Name, ex.Message);

            return new CacheResult<T>(lastGood.Value, CacheOutcome.Stale, lastGood.FetchedAt);
        }
    }

    /// <summary>Returns the last good copy of an entry while it is within the stale window, or null.</summary>
    private async Task<CacheEnvelope<T>?> ReadLastGoodAsync<T>(string key, CancellationToken cancellationToken)
    {
        var lastGood = await _cache.GetOrCreateAsync<CacheEnvelope<T>?>(
            LastGoodKey(key), static _ => ValueTask.FromResult<CacheEnvelope<T>?>(null), ReadOnly, cancellationToken: cancellationToken);

        return lastGood is not null && _time.GetUtcNow() - lastGood.FetchedAt <= _staleWindow ? lastGood : null;
    }

    /// <summary>
    /// True for failures of Spacelift itself. A rejected key, missing permission or unknown stack
    /// is a response, not an outage, and is returned as is.
    /// </summary>
    private static bool CanBridge(SpaceliftException exception) =>
        exception is SpaceliftUnavailableException
            or SpaceliftTimeoutException
            or SpaceliftRateLimitedException
            or SpaceliftInvalidResponseException
            or SpaceliftRequestFailedException;

    /// <summary>
    /// Key of an entry's last good copy. The copy carries the entry's tags, so invalidation drops
    /// both and no copy from before a write is served after it.
    /// </summary>
    public static string LastGoodKey(string key) => key + ":last-good";

    private static HybridCacheEntryOptions FreshOptions(TimeSpan lifetime) =>
        lifetime > TimeSpan.Zero
            ? new HybridCacheEntryOptions { Expiration = lifetime, LocalCacheExpiration = lifetime }
            : new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCache | HybridCacheEntryFlags.DisableDistributedCache };

    private sealed class FetchState<T>(ResponseCache owner, CacheEntry entry, Func<CancellationToken, Task<T>> fetch)
    {
        // HybridCache runs the fetch without the caller's execution context, so the call to
        // Spacelift would start a trace of its own. The fetch rejoins the caller's trace instead.
        private readonly Activity? _caller = Activity.Current;

        public bool Fetched { get; private set; }

        public async ValueTask<CacheEnvelope<T>> FetchAsync(CancellationToken cancellationToken)
        {
            if (Activity.Current is null && _caller is not null)
            {
                Activity.Current = _caller;
            }

            var envelope = new CacheEnvelope<T>(await fetch(cancellationToken), owner._time.GetUtcNow());
            Fetched = true;
            if (owner._staleWindow > TimeSpan.Zero)
            {
                await owner._cache.SetAsync(LastGoodKey(entry.Key), envelope, owner._lastGoodOptions, entry.Tags, cancellationToken);
            }

            return envelope;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "Serving {Kind} from {Age} ago ({Key}) because Spacelift took longer than {ServeStaleAfter} to answer; the refresh carries on")]
        public static partial void ServingStaleWhileSlow(ILogger logger, string kind, string key, TimeSpan age, TimeSpan serveStaleAfter);

        [LoggerMessage(EventId = 2300, Level = LogLevel.Warning, Message = "Serving {Kind} from {Age} ago ({Key}) because Spacelift failed: {FailureKind}: {Reason}")]
        public static partial void ServingStale(ILogger logger, string kind, string key, TimeSpan age, string failureKind, string reason);
    }
}
