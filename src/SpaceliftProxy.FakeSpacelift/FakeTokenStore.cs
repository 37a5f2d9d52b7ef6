using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>A token the stand-in issued; <see cref="ExpiresAt"/> is the <c>validUntil</c> second.</summary>
internal sealed record IssuedToken(string Jwt, string KeyId, DateTimeOffset ExpiresAt);

/// <summary>
/// Issues JWT-shaped tokens and recognises them later. The signature part is random bytes, so only
/// tokens found in this store are valid; nothing verifies a signature.
/// </summary>
internal sealed class FakeTokenStore
{
    // Expired tokens are dropped once the store grows past this, so long benchmarks do not leak memory.
    private const int PruneThreshold = 10_000;

    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;

    public FakeTokenStore(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
    }

    public IssuedToken Issue(string keyId, string audience, TimeSpan lifetime)
    {
        var now = _timeProvider.GetUtcNow();

        // Expiry is the whole second sent to the client as validUntil, so client and stand-in agree on it.
        // Rounding up keeps a token valid for at least its lifetime, which matters for lifetimes of a second or two.
        var expiry = now + lifetime;
        var validUntil = expiry.ToUnixTimeSeconds() + (expiry.UtcTicks % TimeSpan.TicksPerSecond == 0 ? 0 : 1);
        var header = new { alg = "HS256", typ = "JWT" };
        var payload = new Dictionary<string, object>
        {
            ["aud"] = new[] { audience },
            ["exp"] = validUntil,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = "api-key",
            ["sub"] = keyId,
            ["jti"] = FakeIds.NewUlid(now),
            ["IsMachineUser"] = true,
        };
        var jwt = string.Join(
            '.',
            Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header)),
            Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(payload)),
            Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));

        var token = new IssuedToken(jwt, keyId, DateTimeOffset.FromUnixTimeSeconds(validUntil));
        if (_tokens.Count >= PruneThreshold)
        {
            RemoveExpired(now);
        }

        _tokens[jwt] = token;
        return token;
    }

    /// <summary>Returns the token named by a <c>Bearer</c> Authorization header, or null when it is missing, unknown, revoked or expired.</summary>
    public IssuedToken? Validate(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var jwt = authorization[Scheme.Length..].Trim();
        if (!_tokens.TryGetValue(jwt, out var token))
        {
            return null;
        }

        return _timeProvider.GetUtcNow() < token.ExpiresAt ? token : null;
    }

    public void RevokeAll() => _tokens.Clear();

    private void RemoveExpired(DateTimeOffset now)
    {
        foreach (var (jwt, token) in _tokens)
        {
            if (token.ExpiresAt <= now)
            {
                _tokens.TryRemove(jwt, out _);
            }
        }
    }
}
