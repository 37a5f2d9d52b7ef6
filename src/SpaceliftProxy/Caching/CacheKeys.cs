using System.Globalization;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Configuration;

namespace SpaceliftProxy.Caching;

/// <summary>
/// Every cache key and tag the service uses. Keys carry the Spacelift host and API key id, so
/// services for different accounts or keys can share one Redis without seeing each other's data.
/// </summary>
internal sealed class CacheKeys
{
    private readonly string _prefix;

    public CacheKeys(IOptions<SpaceliftOptions> options)
    {
        var spacelift = options.Value;
        _prefix = $"spacelift-proxy:v1:{spacelift.Host.Authority.ToLowerInvariant()}:{spacelift.ApiKey}:";
    }

    /// <summary>Prefix shared by every key of this account and key; also names the invalidation channel.</summary>
    public string Prefix => _prefix;

    /// <summary>The encrypted Spacelift token.</summary>
    public string Token => _prefix + "token";

    /// <summary>The list of every stack.</summary>
    public string Stacks => _prefix + "stacks";

    /// <summary>The details of one stack.</summary>
    public string Stack(string stackId) => _prefix + "stack:" + stackId;

    /// <summary>
    /// One page of a stack's tracked runs: up to <paramref name="limit"/> runs older than the run
    /// <paramref name="before"/>, or the newest when it is null. Route validation keeps ':' out of ids, so keys cannot collide.
    /// </summary>
    public string Runs(string stackId, string? before, int limit) =>
        string.Create(CultureInfo.InvariantCulture, $"{_prefix}runs:{stackId}:{before ?? "newest"}:{limit}");

    /// <summary>Tag on every entry that belongs to one stack (details, run pages).</summary>
    public string StackTag(string stackId) => _prefix + "stack-tag:" + stackId;

    /// <summary>Redis channel on which replicas tell each other what a write made stale.</summary>
    public string InvalidationChannel => _prefix + "invalidate";
}
