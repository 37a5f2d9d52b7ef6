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
            _ => string.Create(
                CultureInfo.InvariantCulture,
                $"{CacheName}; hit; ttl={(int)Math.Floor((result.FetchedAt + lifetime - time.GetUtcNow()).TotalSeconds)}; detail=stale-if-error"),
        };
    }
}
