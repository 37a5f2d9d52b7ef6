using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SpaceliftProxy.Auth;

/// <summary>
/// Verifies a bearer token as Backstage's <c>DefaultAuthService</c> does and returns the Backstage
/// caller it identifies, or rejects it with the reason.
/// </summary>
/// <remarks>
/// <para>The header's <c>typ</c> decides how a token is checked:</para>
/// <list type="bullet">
/// <item><c>vnd.backstage.plugin</c>: another plugin's token. <c>sub</c> is the calling plugin id,
/// <c>aud</c> must be this service's plugin id, and the signature must match the calling plugin's
/// JWKS. An <c>obo</c> claim carries a limited user token, and the caller is then that user.</item>
/// <item><c>vnd.backstage.user</c>: a user token, signed by the auth backend's JWKS with
/// <c>auth.identityTokenAlgorithm</c> (ES256 unless set).</item>
/// <item><c>vnd.backstage.limited-user</c>: rejected, because limited user tokens are valid only
/// inside a plugin token's <c>obo</c> claim.</item>
/// <item>anything else: a legacy user token when <c>aud</c> is <c>backstage</c>; a legacy service
/// token when it is HS256 with <c>sub: backstage-server</c> and no <c>aud</c>.</item>
/// </list>
/// <para>
/// Static tokens are looked up first, by hash. Unlike Backstage, tokens issued or becoming valid
/// more than <see cref="ClockSkew"/> in the future are rejected. Verified tokens are cached until
/// they expire, so a token's signature is checked once.
/// </para>
/// </remarks>
internal sealed partial class CredentialVerifier
{
    /// <summary>How far <c>iat</c> and <c>nbf</c> may lie in the future, for clocks that differ a little.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private const string UserTokenType = "vnd.backstage.user";
    private const string LimitedUserTokenType = "vnd.backstage.limited-user";
    private const string PluginTokenType = "vnd.backstage.plugin";
    private const string LegacyUserAudience = "backstage";
    private const string LegacyServerSubject = "backstage-server";
    private const string LegacyServerAlgorithm = SecurityAlgorithms.HmacSha256;

    /// <summary>Algorithms a plugin's JWKS may sign with: every asymmetric algorithm Backstage's static key store allows.</summary>
    private static readonly FrozenSet<string> PluginTokenAlgorithms = FrozenSet.Create(
        StringComparer.Ordinal, "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512");

    private readonly VerifiedTokenCache _cache;
    private readonly ExternalAccessTokens _externalAccess;
    private readonly PluginKeySets _keySets;
    private readonly UserTokenAlgorithm _userTokenAlgorithm;
    private readonly string? _issuer;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new();

    public CredentialVerifier(
        VerifiedTokenCache cache,
        ExternalAccessTokens externalAccess,
        PluginKeySets keySets,
        UserTokenAlgorithm userTokenAlgorithm,
        IOptions<BackstageAuthOptions> options,
        TimeProvider time)
    {
        _cache = cache;
        _externalAccess = externalAccess;
        _keySets = keySets;
        _userTokenAlgorithm = userTokenAlgorithm;
        _issuer = string.IsNullOrWhiteSpace(options.Value.Issuer) ? null : options.Value.Issuer.Trim();
        _time = time;
    }

    /// <summary>Returns the caller that a token identifies.</summary>
    /// <exception cref="CredentialsRejectedException">The token is rejected, and the message gives the reason.</exception>
    public async ValueTask<BackstageCredentials> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        var hash = TokenHash.Of(token);
        if (_cache.TryGet(hash, out var cached))
        {
            return cached;
        }

        if (_externalAccess.TryGetStaticCaller(hash, out var caller))
        {
            caller.EnsureAllowed();

            return new BackstageCredentials(PrincipalKind.Service, caller.Subject, null, null, null, null, hash);
        }

        var jwt = Parse(token);
        var credentials = jwt.Typ switch
        {
            PluginTokenType => await VerifyPluginTokenAsync(jwt, hash, cancellationToken),
            UserTokenType => await VerifyUserTokenAsync(jwt, hash, "user token", cancellationToken),
            LimitedUserTokenType => throw CredentialsRejectedException.Invalid(
                "Limited user tokens are accepted only inside a plugin token's obo claim; send the full user token."),
            _ => await VerifyUntypedTokenAsync(jwt, hash, cancellationToken),
        };

        _cache.Add(credentials);

        return credentials;
    }

    private JsonWebToken Parse(string token)
    {
        if (!_handler.CanReadToken(token))
        {
            throw CredentialsRejectedException.Invalid("The token is neither a JWT nor a configured static token.");
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            // SecurityTokenMalformedException derives from ArgumentException.
            throw CredentialsRejectedException.Invalid("The token is malformed: its header or payload is not base64url-encoded JSON.");
        }

        if (jwt.IsEncrypted)
        {
            throw CredentialsRejectedException.Invalid("Encrypted tokens (JWE) are not accepted.");
        }

        return jwt;
    }

    /// <summary>Checks a token without a Backstage <c>typ</c>: a legacy user token or a legacy service token.</summary>
    private async ValueTask<BackstageCredentials> VerifyUntypedTokenAsync(JsonWebToken jwt, TokenHash hash, CancellationToken cancellationToken)
    {
        if (jwt.Audiences.Contains(LegacyUserAudience, StringComparer.Ordinal))
        {
            return await VerifyUserTokenAsync(jwt, hash, "legacy user token", cancellationToken);
        }

        if (jwt.Alg == LegacyServerAlgorithm && jwt.Subject == LegacyServerSubject && !jwt.Audiences.Any())
        {
            return VerifyLegacyServiceToken(jwt, hash);
        }

        throw CredentialsRejectedException.Invalid(string.IsNullOrEmpty(jwt.Typ)
            ? $"The token is not a Backstage token: its header has no typ, its aud is not '{LegacyUserAudience}', and it is not a legacy service token (HS256 with sub '{LegacyServerSubject}')."
            : $"The token type '{Echo(jwt.Typ)}' is not accepted; expected {UserTokenType} or {PluginTokenType}.");
    }

    /// <param name="kind">"user token", "legacy user token" or "obo token", for messages.</param>
    private async ValueTask<BackstageCredentials> VerifyUserTokenAsync(JsonWebToken jwt, TokenHash hash, string kind, CancellationToken cancellationToken)
    {
        EnsureAlgorithm(jwt, _userTokenAlgorithm.Names, kind);
        var keySet = _keySets.UserTokenKeys ?? throw CredentialsRejectedException.Invalid(
            $"User tokens cannot be verified: neither {BackstageDiscovery.BaseUrlKey} nor Backstage:Auth:JwksUrl is configured.");
        var keys = await keySet.GetSigningKeysAsync(NullIfEmpty(jwt.Kid), cancellationToken);
        await EnsureSignatureAsync(jwt, keys, kind);

        var subject = RequireSubject(jwt, kind);
        var expiresAt = EnsureLifetime(jwt, kind);

        // Limited user tokens carry only sub, iat and exp, so the issuer is checked on full tokens only.
        if (_issuer is not null && jwt.Typ != LimitedUserTokenType && !string.Equals(jwt.Issuer, _issuer, StringComparison.Ordinal))
        {
            throw CredentialsRejectedException.Invalid(
                $"The {kind} was issued by '{Echo(jwt.Issuer)}', but Backstage:Auth:Issuer expects '{_issuer}'.");
        }

        return new BackstageCredentials(PrincipalKind.User, subject, ReadOwnershipEntityRefs(jwt, kind), jwt.EncodedToken, null, expiresAt, hash);
    }

    private async ValueTask<BackstageCredentials> VerifyPluginTokenAsync(JsonWebToken jwt, TokenHash hash, CancellationToken cancellationToken)
    {
        const string Kind = "plugin token";

        var pluginId = RequireSubject(jwt, Kind);
        if (!PluginIdPattern().IsMatch(pluginId))
        {
            throw CredentialsRejectedException.Invalid(
                $"The plugin token's sub '{Echo(pluginId)}' is not a plugin id; plugin ids contain only letters, digits, '_' and '-'.");
        }

        // The audience is checked before any key is fetched, so tokens meant for other plugins cost no call to Backstage.
        if (!jwt.Audiences.Any(PluginIds.IsOwn))
        {
            var audience = jwt.Audiences.Any() ? string.Join(", ", jwt.Audiences.Select(Echo)) : "(none)";
            throw CredentialsRejectedException.Invalid($"The plugin token is meant for audience {audience}, not {PluginIds.Primary}.");
        }

        EnsureAlgorithm(jwt, PluginTokenAlgorithms, Kind);
        var keys = await _keySets.ForPlugin(pluginId).GetSigningKeysAsync(NullIfEmpty(jwt.Kid), cancellationToken);
        await EnsureSignatureAsync(jwt, keys, Kind);
        var expiresAt = EnsureLifetime(jwt, Kind);

        if (!jwt.TryGetPayloadValue<object>("obo", out var obo) || obo is null)
        {
            return new BackstageCredentials(PrincipalKind.Service, $"plugin:{pluginId}", null, null, null, expiresAt, hash);
        }

        if (obo is not string limitedUserToken || limitedUserToken.Length == 0)
        {
            throw CredentialsRejectedException.Invalid("The plugin token's obo claim is not a token.");
        }

        var user = await VerifyOnBehalfOfAsync(limitedUserToken, hash, cancellationToken);

        return user with
        {
            OnBehalfOfPlugin = pluginId,
            ExpiresAt = user.ExpiresAt < expiresAt ? user.ExpiresAt : expiresAt,
        };
    }

    /// <summary>Checks the user token in an <c>obo</c> claim: a limited user token, or a full or legacy one as Backstage also accepts.</summary>
    private async ValueTask<BackstageCredentials> VerifyOnBehalfOfAsync(string token, TokenHash hash, CancellationToken cancellationToken)
    {
        const string Kind = "obo token";

        JsonWebToken jwt;
        try
        {
            jwt = Parse(token);
        }
        catch (CredentialsRejectedException ex)
        {
            throw CredentialsRejectedException.Invalid($"The plugin token's obo claim is invalid: {ex.Message}");
        }

        var isUserToken = jwt.Typ is LimitedUserTokenType or UserTokenType
            || (string.IsNullOrEmpty(jwt.Typ) && jwt.Audiences.Contains(LegacyUserAudience, StringComparer.Ordinal));
        if (!isUserToken)
        {
            throw CredentialsRejectedException.Invalid(
                $"The plugin token's obo claim has the type '{Echo(jwt.Typ)}'; expected {LimitedUserTokenType}.");
        }

        return await VerifyUserTokenAsync(jwt, hash, Kind, cancellationToken);
    }

    /// <summary>Checks an HS256 token against the legacy secrets, as Backstage's legacy external access does.</summary>
    private BackstageCredentials VerifyLegacyServiceToken(JsonWebToken jwt, TokenHash hash)
    {
        const string Kind = "legacy service token";

        if (_externalAccess.LegacySecrets.Count == 0)
        {
            throw CredentialsRejectedException.Invalid(
                $"Legacy service tokens (HS256 with sub '{LegacyServerSubject}') are not accepted: no Backstage:Auth:ExternalAccess entry of type legacy is configured.");
        }

        byte[] signature;
        try
        {
            signature = Base64UrlEncoder.DecodeBytes(jwt.EncodedSignature);
        }
        catch (FormatException)
        {
            throw CredentialsRejectedException.Invalid("The legacy service token's signature is not base64url.");
        }

        var signedBytes = Encoding.ASCII.GetBytes(jwt.EncodedHeader + "." + jwt.EncodedPayload);
        var secret = _externalAccess.LegacySecrets.FirstOrDefault(secret =>
            CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(secret.Key, signedBytes), signature));
        if (secret is null)
        {
            throw CredentialsRejectedException.Invalid("The legacy service token's signature matches none of the configured legacy secrets.");
        }

        // Backstage checks exp only when the token has one; legacy tokens from its token manager always do.
        var now = _time.GetUtcNow();
        DateTimeOffset? expiresAt = null;
        if (TryGetNumericDate(jwt, "exp", out var exp))
        {
            expiresAt = exp;
            EnsureNotExpired(exp, now, Kind);
        }

        EnsureNotFromTheFuture(jwt, now, Kind);
        secret.Caller.EnsureAllowed();

        return new BackstageCredentials(PrincipalKind.Service, secret.Caller.Subject, null, null, null, expiresAt, hash);
    }

    private static void EnsureAlgorithm(JsonWebToken jwt, FrozenSet<string> allowed, string kind)
    {
        var algorithm = jwt.Alg;
        if (string.IsNullOrEmpty(algorithm) || string.Equals(algorithm, "none", StringComparison.OrdinalIgnoreCase))
        {
            throw CredentialsRejectedException.Invalid("Unsigned tokens (alg none) are not accepted.");
        }

        // This also stops HS256 tokens signed with a public key that an attacker read from the JWKS.
        if (!allowed.Contains(algorithm))
        {
            throw CredentialsRejectedException.Invalid(
                $"The {kind} is signed with {Echo(algorithm)}, but only {string.Join(", ", allowed.Order(StringComparer.Ordinal))} is accepted.");
        }
    }

    private async ValueTask EnsureSignatureAsync(JsonWebToken jwt, IReadOnlyList<SecurityKey> keys, string kind)
    {
        // IdentityModel checks only the signature. Algorithm, claims and lifetime are checked here,
        // against this service's clock and with Backstage's rules.
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            ValidAlgorithms = [jwt.Alg],
            RequireSignedTokens = true,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidateIssuerSigningKey = false,
        };

        var result = await _handler.ValidateTokenAsync(jwt, parameters);
        if (!result.IsValid)
        {
            throw CredentialsRejectedException.Invalid($"The {kind}'s signature is invalid.");
        }
    }

    private static string RequireSubject(JsonWebToken jwt, string kind)
    {
        var subject = jwt.Subject;

        return string.IsNullOrEmpty(subject)
            ? throw CredentialsRejectedException.Invalid($"The {kind} has no sub claim.")
            : subject;
    }

    /// <summary>Requires <c>iat</c> and <c>exp</c>, rejects expired tokens and tokens from the future, and returns <c>exp</c>.</summary>
    private DateTimeOffset EnsureLifetime(JsonWebToken jwt, string kind)
    {
        if (!TryGetNumericDate(jwt, "exp", out var expiresAt))
        {
            throw CredentialsRejectedException.Invalid($"The {kind} has no exp claim.");
        }

        if (!TryGetNumericDate(jwt, "iat", out _))
        {
            throw CredentialsRejectedException.Invalid($"The {kind} has no iat claim.");
        }

        var now = _time.GetUtcNow();
        EnsureNotExpired(expiresAt, now, kind);
        EnsureNotFromTheFuture(jwt, now, kind);

        return expiresAt;
    }

    private static void EnsureNotExpired(DateTimeOffset expiresAt, DateTimeOffset now, string kind)
    {
        if (expiresAt <= now)
        {
            throw CredentialsRejectedException.Invalid($"The {kind} expired at {Format(expiresAt)}; sign in to Backstage again or request a new token.");
        }
    }

    private static void EnsureNotFromTheFuture(JsonWebToken jwt, DateTimeOffset now, string kind)
    {
        var latest = now + ClockSkew;
        if (TryGetNumericDate(jwt, "iat", out var issuedAt) && issuedAt > latest)
        {
            throw CredentialsRejectedException.Invalid(
                $"The {kind} was issued in the future ({Format(issuedAt)}); check that the clocks of Backstage and this service agree.");
        }

        if (TryGetNumericDate(jwt, "nbf", out var notBefore) && notBefore > latest)
        {
            throw CredentialsRejectedException.Invalid($"The {kind} is not valid before {Format(notBefore)}.");
        }
    }

    /// <summary>Reads a NumericDate claim, seconds since 1970 as an integer or a fraction.</summary>
    private static bool TryGetNumericDate(JsonWebToken jwt, string claim, out DateTimeOffset value)
    {
        value = default;
        if (!jwt.TryGetPayloadValue<object>(claim, out var raw))
        {
            return false;
        }

        double seconds;
        switch (raw)
        {
            case int number:
                seconds = number;
                break;
            case long number:
                seconds = number;
                break;
            case double number:
                seconds = number;
                break;
            case decimal number:
                seconds = (double)number;
                break;
            default:
                return false;
        }

        if (!double.IsFinite(seconds) || seconds < 0 || seconds > 253_402_300_799)
        {
            return false;
        }

        value = DateTimeOffset.UnixEpoch.AddSeconds(seconds);

        return true;
    }

    /// <summary>Returns the <c>ent</c> claim, or null when the token has none (current Backstage versions leave it out).</summary>
    private static List<string>? ReadOwnershipEntityRefs(JsonWebToken jwt, string kind)
    {
        if (!jwt.TryGetPayloadValue<object>("ent", out var raw) || raw is null)
        {
            return null;
        }

        if (!jwt.TryGetPayloadValue<List<string>>("ent", out var refs) || refs is null)
        {
            throw CredentialsRejectedException.Invalid($"The {kind}'s ent claim is not a list of entity refs.");
        }

        return refs;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Echo(string? value) => TokenText.Echo(value);

    [GeneratedRegex("^[a-z0-9_-]+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PluginIdPattern();
}
