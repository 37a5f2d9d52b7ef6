using System.Collections.Concurrent;

namespace SpaceliftProxy.Auth;

/// <summary>
/// Tokens whose signature and claims have been verified, keyed by <see cref="TokenHash"/> and kept
/// until the token expires. The frontend polls with the same user token from every tab, so each
/// token's signature is checked once instead of on every request.
/// </summary>
/// <remarks>
/// The cache contains at most <see cref="Capacity"/> tokens. When it is full, expired tokens are
/// removed; if it is still full, it is emptied, so a flood of valid tokens costs one more signature
/// check each and no memory beyond the limit.
/// </remarks>
internal sealed class VerifiedTokenCache(TimeProvider time)
{
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<TokenHash, BackstageCredentials> _entries = new();
    private readonly Lock _trimLock = new();
    private long _hits;

    public int Count => _entries.Count;

    /// <summary>Number of tokens found in the cache since start, for tests and diagnostics.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    public bool TryGet(TokenHash hash, out BackstageCredentials credentials)
    {
        if (_entries.TryGetValue(hash, out credentials!))
        {
            if (credentials.ExpiresAt > time.GetUtcNow())
            {
                Interlocked.Increment(ref _hits);
                return true;
            }

            _entries.TryRemove(hash, out _);
        }

        return false;
    }

    /// <summary>Keeps credentials that expire; credentials without an expiry are not cached.</summary>
    public void Add(BackstageCredentials credentials)
    {
        if (credentials.ExpiresAt is null)
        {
            return;
        }

        if (_entries.Count >= Capacity)
        {
            Trim();
        }

        _entries[credentials.TokenHash] = credentials;
    }

    private void Trim()
    {
        lock (_trimLock)
        {
            if (_entries.Count < Capacity)
            {
                return;
            }

            var now = time.GetUtcNow();
            foreach (var (hash, credentials) in _entries)
            {
                if (credentials.ExpiresAt <= now)
                {
                    _entries.TryRemove(hash, out _);
                }
            }

            if (_entries.Count >= Capacity)
            {
                _entries.Clear();
            }
        }
    }
}
