using System.Collections.Frozen;

namespace SpaceliftProxy.Auth;

/// <summary>A caller outside Backstage, as an external access entry describes it.</summary>
/// <param name="Subject">The service principal's name, such as <c>ci-bot</c>.</param>
/// <param name="AllowedPlugins">Plugin ids from <c>accessRestrictions</c>; empty allows every plugin.</param>
internal sealed record ExternalCaller(string Subject, IReadOnlyList<string> AllowedPlugins)
{
    /// <summary>Throws 403 when the entry's access restrictions name none of this service's plugin ids.</summary>
    public void EnsureAllowed()
    {
        if (AllowedPlugins.Count > 0 && !AllowedPlugins.Any(PluginIds.IsOwn))
        {
            throw new CredentialsRejectedException(
                StatusCodes.Status403Forbidden,
                $"This token's access is restricted to plugin(s) {string.Join(", ", AllowedPlugins.Select(plugin => $"'{plugin}'"))}, not {PluginIds.Primary}.");
        }
    }
}

/// <summary>An HS256 secret of a <c>legacy</c> external access entry or a <c>backend.auth.keys</c> item.</summary>
internal sealed record LegacySecret(byte[] Key, ExternalCaller Caller);

/// <summary>
/// The static tokens and legacy secrets of <c>backend.auth.externalAccess</c> and the deprecated
/// <c>backend.auth.keys</c>, checked as Backstage checks them.
/// </summary>
internal sealed class ExternalAccessTokens
{
    /// <summary>Backstage's minimum length of a static token.</summary>
    public const int MinStaticTokenLength = 8;

    /// <summary>The subject Backstage gives callers signing with a <c>backend.auth.keys</c> secret.</summary>
    public const string LegacyKeysSubject = "external:backstage-plugin";

    private const string ExternalAccessKey = "Backstage:Auth:ExternalAccess";

    // Static tokens are looked up by their SHA-256 hash, so the lookup time reveals nothing about the token.
    private readonly FrozenDictionary<TokenHash, ExternalCaller> _staticTokens;

    private ExternalAccessTokens(FrozenDictionary<TokenHash, ExternalCaller> staticTokens, IReadOnlyList<LegacySecret> legacySecrets)
    {
        _staticTokens = staticTokens;
        LegacySecrets = legacySecrets;
    }

    public IReadOnlyList<LegacySecret> LegacySecrets { get; }

    /// <summary>
    /// Reads the entries and adds every invalid one to <paramref name="errors"/>. Messages name the
    /// setting and never contain a token or a secret.
    /// </summary>
    public static ExternalAccessTokens Create(BackstageAuthOptions options, List<string> errors, List<string> warnings)
    {
        var staticTokens = new Dictionary<TokenHash, ExternalCaller>();
        var legacySecrets = new List<LegacySecret>();

        for (var i = 0; i < options.ExternalAccess.Count; i++)
        {
            var entry = options.ExternalAccess[i];
            var key = $"{ExternalAccessKey}:{i}";
            var settingsKey = entry.Options is null && entry.Config is not null ? $"{key}:Config" : $"{key}:Options";
            var settings = entry.EffectiveSettings;
            var type = entry.Type?.Trim();

            if (string.Equals(type, "jwks", StringComparison.OrdinalIgnoreCase))
            {
                warnings.Add($"{key} has the type jwks, which this service does not support; tokens of that issuer are rejected.");
                continue;
            }

            var isStatic = string.Equals(type, "static", StringComparison.OrdinalIgnoreCase);
            var isLegacy = string.Equals(type, "legacy", StringComparison.OrdinalIgnoreCase);
            if (!isStatic && !isLegacy)
            {
                errors.Add($"{key}:Type is {(type is null ? "missing" : $"'{type}'")}: set it to static or legacy (backend.auth.externalAccess[{i}].type in app-config.yaml).");
                continue;
            }

            var subject = ReadSubject(settings.Subject, $"{settingsKey}:Subject", errors);
            var allowedPlugins = ReadAccessRestrictions(entry, key, errors);
            if (subject is null || allowedPlugins is null)
            {
                continue;
            }

            var caller = new ExternalCaller(subject, allowedPlugins);
            if (isStatic && ReadStaticToken(settings.Token, $"{settingsKey}:Token", errors) is { } token)
            {
                if (!staticTokens.TryAdd(TokenHash.Of(token), caller))
                {
                    errors.Add($"{settingsKey}:Token is invalid: the same static token is declared more than once.");
                }
            }
            else if (isLegacy && ReadSecret(settings.Secret, $"{settingsKey}:Secret", errors) is { } secret)
            {
                legacySecrets.Add(new LegacySecret(secret, caller));
            }
        }

        for (var i = 0; i < options.Keys.Count; i++)
        {
            if (ReadSecret(options.Keys[i].Secret, $"Backstage:Auth:Keys:{i}:Secret", errors) is { } secret)
            {
                legacySecrets.Add(new LegacySecret(secret, new ExternalCaller(LegacyKeysSubject, [])));
            }
        }

        if (options.Keys.Count > 0)
        {
            warnings.Add("Backstage:Auth:Keys (backend.auth.keys) is deprecated: move each secret to a Backstage:Auth:ExternalAccess entry of type legacy (backend.auth.externalAccess).");
        }

        return new ExternalAccessTokens(staticTokens.ToFrozenDictionary(), legacySecrets);
    }

    public bool TryGetStaticCaller(TokenHash hash, out ExternalCaller caller) => _staticTokens.TryGetValue(hash, out caller!);

    private static string? ReadSubject(string? subject, string key, List<string> errors)
    {
        if (string.IsNullOrEmpty(subject))
        {
            errors.Add($"{key} is missing: set it to the name that callers with this entry get, such as ci-bot.");
            return null;
        }

        if (subject.Any(char.IsWhiteSpace))
        {
            errors.Add($"{key} is invalid: '{subject}' contains whitespace.");
            return null;
        }

        return subject;
    }

    private static string? ReadStaticToken(string? token, string key, List<string> errors)
    {
        if (string.IsNullOrEmpty(token))
        {
            errors.Add($"{key} is missing: set it to a random string of at least {MinStaticTokenLength} characters.");
        }
        else if (token.Any(char.IsWhiteSpace))
        {
            errors.Add($"{key} is invalid: the token contains whitespace, which a bearer token cannot carry.");
        }
        else if (token.Length < MinStaticTokenLength)
        {
            errors.Add($"{key} is invalid: the token is shorter than {MinStaticTokenLength} characters.");
        }
        else
        {
            return token;
        }

        return null;
    }

    private static byte[]? ReadSecret(string? secret, string key, List<string> errors)
    {
        if (string.IsNullOrEmpty(secret))
        {
            errors.Add($"{key} is missing: set it to the base64 secret that the caller signs its HS256 tokens with.");
            return null;
        }

        if (secret.Any(char.IsWhiteSpace) || DecodeBase64(secret) is not { Length: > 0 } bytes)
        {
            errors.Add($"{key} is invalid: the secret is not a base64 string.");
            return null;
        }

        return bytes;
    }

    private static List<string>? ReadAccessRestrictions(ExternalAccessEntry entry, string key, List<string> errors)
    {
        var plugins = new List<string>();
        for (var j = 0; j < entry.AccessRestrictions.Count; j++)
        {
            var plugin = entry.AccessRestrictions[j].Plugin?.Trim();
            if (string.IsNullOrEmpty(plugin))
            {
                errors.Add($"{key}:AccessRestrictions:{j}:Plugin is missing: name the plugin id the entry may call, such as {PluginIds.Primary}.");
                return null;
            }

            plugins.Add(plugin);
        }

        return plugins;
    }

    /// <summary>Decodes base64 or base64url, with or without padding, as Backstage's decoder accepts both.</summary>
    private static byte[]? DecodeBase64(string text)
    {
        var standard = text.Replace('-', '+').Replace('_', '/');
        standard += (standard.Length % 4) switch
        {
            2 => "==",
            3 => "=",
            _ => "",
        };

        var buffer = new byte[standard.Length];

        return Convert.TryFromBase64String(standard, buffer, out var written) ? buffer[..written] : null;
    }
}
