using System.Globalization;

namespace SpaceliftProxy.Caching;

/// <summary>
/// Writes the RFC 9211 <c>Cache-Status</c> header, so callers and operators can tell a cached or
/// stale answer from a fresh one.
/// </summary>
internal static class CacheStatusHeader
{
    private const string CacheName = "spacelift-proxy";

    public static void Set<T>(HttpResponse response, CacheResult<T> result, TimeSpan lifetime, TimeProvider time)
    {
        response.Headers["Cache-Status"] = result.Outcome switch
        {
            CacheOutcome.Hit => CacheName + "; hit",
            CacheOutcome.Miss => CacheName + "; fwd=miss",
            CacheOutcome.StaleWhileRefreshing => Stale(result, lifetime, time, "stale-while-revalidate"),
            _ => Stale(result, lifetime, time, "stale-if-error"),
        };
    }

    /// <summary>A stale hit; a negative <c>ttl</c> is how RFC 9211 says how long ago the entry expired.</summary>
    private static string Stale<T>(CacheResult<T> result, TimeSpan lifetime, TimeProvider time, string detail) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{CacheName}; hit; ttl={(int)Math.Floor((result.FetchedAt + lifetime - time.GetUtcNow()).TotalSeconds)}; detail={detail}");
}
