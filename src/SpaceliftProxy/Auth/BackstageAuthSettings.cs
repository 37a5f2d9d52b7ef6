using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Auth;

/// <summary>The algorithm Backstage's auth backend signs user tokens with, from <c>auth.identityTokenAlgorithm</c>.</summary>
internal sealed record UserTokenAlgorithm(FrozenSet<string> Names)
{
    public const string ConfigurationKey = "Backstage:AuthBackend:IdentityTokenAlgorithm";
    public const string Default = "ES256";

    private static readonly FrozenSet<string> Supported = FrozenSet.Create(
        StringComparer.Ordinal, "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512");

    public static UserTokenAlgorithm Create(IConfiguration configuration, List<string> errors)
    {
        var name = configuration[ConfigurationKey]?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            name = Default;
        }
        else if (!Supported.Contains(name))
        {
            errors.Add($"{ConfigurationKey} is '{name}', which this service cannot verify (auth.identityTokenAlgorithm in app-config.yaml); supported: {string.Join(", ", Supported.Order(StringComparer.Ordinal))}.");
            name = Default;
        }

        return new UserTokenAlgorithm(FrozenSet.Create(StringComparer.Ordinal, name));
    }
}

/// <summary>
/// The auth settings that need more checking than attributes can do, read once from the options and
/// the configuration. Start-up validation reports <see cref="Errors"/>; start-up logs <see cref="Warnings"/>.
/// </summary>
internal sealed class BackstageAuthSettings
{
    private BackstageAuthSettings(
        BackstageDiscovery discovery, ExternalAccessTokens externalAccess, UserTokenAlgorithm userTokenAlgorithm, List<string> errors, List<string> warnings)
    {
        Discovery = discovery;
        ExternalAccess = externalAccess;
        UserTokenAlgorithm = userTokenAlgorithm;
        Errors = errors;
        Warnings = warnings;
    }

    public BackstageDiscovery Discovery { get; }

    public ExternalAccessTokens ExternalAccess { get; }

    public UserTokenAlgorithm UserTokenAlgorithm { get; }

    public IReadOnlyList<string> Errors { get; }

    public IReadOnlyList<string> Warnings { get; }

    public static BackstageAuthSettings Read(BackstageAuthOptions options, IConfiguration configuration)
    {
        var errors = new List<string>();
        var warnings = new List<string>();

        var discovery = BackstageDiscovery.Create(configuration, errors, warnings);
        var externalAccess = ExternalAccessTokens.Create(options, errors, warnings);
        var algorithm = UserTokenAlgorithm.Create(configuration, errors);

        var jwksUrl = options.JwksUrl?.Trim();
        if (!string.IsNullOrEmpty(jwksUrl) && !(Uri.TryCreate(jwksUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            errors.Add($"Backstage:Auth:JwksUrl is invalid: '{jwksUrl}' is not an http:// or https:// URL.");
        }

        if (!options.DangerouslyDisableDefaultAuthPolicy && discovery.BaseUrl is null && string.IsNullOrEmpty(jwksUrl))
        {
            errors.Add(
                $"{BackstageDiscovery.BaseUrlKey} is missing: set it to the Backstage backend address (backend.baseUrl in app-config.yaml) so that user and plugin tokens can be verified, " +
                "or set Backstage:Auth:DangerouslyDisableDefaultAuthPolicy to true to accept requests without credentials.");
        }

        // NOTE: these ranges are not DataAnnotations attributes because the options validator generator
        // of Microsoft.Extensions.Options 10.0 ignores RangeAttribute.ErrorMessage, so its messages would not name the setting.
        ValidateRange(options.TriggersPerMinute, 0, 100_000, "TriggersPerMinute", errors);
        ValidateRange(options.JwksRefetchInterval, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), "JwksRefetchInterval", errors);
        ValidateRange(options.BackstageTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1), "BackstageTimeout", errors);

        ValidateEntityRefs(options.ActionAllowList.Users, "Users", "user", errors);
        ValidateEntityRefs(options.ActionAllowList.Groups, "Groups", "group", errors);
        for (var i = 0; i < options.ActionAllowList.Services.Count; i++)
        {
            var service = options.ActionAllowList.Services[i];
            if (string.IsNullOrWhiteSpace(service) || service.Trim().Any(char.IsWhiteSpace))
            {
                errors.Add($"Backstage:Auth:ActionAllowList:Services:{i} is invalid: '{service}' is not a plugin id or subject.");
            }
        }

        if (options.DangerouslyDisableDefaultAuthPolicy)
        {
            warnings.Add(
                "Backstage:Auth:DangerouslyDisableDefaultAuthPolicy is true: the plugin routes accept requests without credentials, " +
                "so anyone who can reach this service can list stacks and trigger runs with the Spacelift API key.");
        }

        return new BackstageAuthSettings(discovery, externalAccess, algorithm, errors, warnings);
    }

    private static void ValidateRange<T>(T value, T minimum, T maximum, string name, List<string> errors)
        where T : IComparable<T>
    {
        if (value.CompareTo(minimum) < 0 || value.CompareTo(maximum) > 0)
        {
            errors.Add($"Backstage:Auth:{name} is {value}: it must be between {minimum} and {maximum}.");
        }
    }

    private static void ValidateEntityRefs(List<string> refs, string listName, string defaultKind, List<string> errors)
    {
        for (var i = 0; i < refs.Count; i++)
        {
            if (EntityRefs.Normalize(refs[i], defaultKind) is null)
            {
                errors.Add($"Backstage:Auth:ActionAllowList:{listName}:{i} is invalid: '{refs[i]}' is not an entity ref such as {defaultKind}:default/name.");
            }
        }
    }
}

/// <summary>Stops start-up with every error <see cref="BackstageAuthSettings"/> finds, each naming its setting.</summary>
internal sealed class BackstageAuthSettingsValidator(IConfiguration configuration) : IValidateOptions<BackstageAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, BackstageAuthOptions options)
    {
        var errors = BackstageAuthSettings.Read(options, configuration).Errors;

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
