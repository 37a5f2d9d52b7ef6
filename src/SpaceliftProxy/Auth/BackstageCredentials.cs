using System.Security.Claims;

namespace SpaceliftProxy.Auth;

internal enum PrincipalKind
{
    /// <summary>A Backstage user, directly or through a plugin acting on the user's behalf.</summary>
    User,

    /// <summary>Another Backstage plugin, or an external caller with a static token or legacy secret.</summary>
    Service,
}

/// <summary>
/// The caller of a request, as Backstage names it, once its token has been verified. Kept in the
/// request's features for the allow list, the rate limiter and the audit log.
/// </summary>
/// <param name="Subject">
/// The user entity ref (<c>user:default/jdoe</c>), <c>plugin:{pluginId}</c> for another plugin, or
/// the subject of an external access entry.
/// </param>
/// <param name="OwnershipEntityRefs">The token's <c>ent</c> claim, or null when the token has none.</param>
/// <param name="UserToken">For users, the token that identifies them to Backstage's user info endpoint. Never logged.</param>
/// <param name="OnBehalfOfPlugin">For users, the plugin that called on their behalf, or null for a direct call.</param>
/// <param name="ExpiresAt">When the credentials expire; null for static tokens and legacy tokens without <c>exp</c>.</param>
internal sealed record BackstageCredentials(
    PrincipalKind Kind,
    string Subject,
    IReadOnlyList<string>? OwnershipEntityRefs,
    string? UserToken,
    string? OnBehalfOfPlugin,
    DateTimeOffset? ExpiresAt,
    TokenHash TokenHash)
{
    public const string AuthenticationType = "Backstage";
    public const string SubjectClaim = "sub";
    public const string PrincipalTypeClaim = "backstage_principal";

    /// <summary>The subject with the calling plugin for on-behalf-of calls, for logs.</summary>
    public string Description => OnBehalfOfPlugin is null ? Subject : $"{Subject} via plugin:{OnBehalfOfPlugin}";

    public ClaimsPrincipal ToClaimsPrincipal()
    {
        var identity = new ClaimsIdentity(AuthenticationType, SubjectClaim, roleType: null);
        identity.AddClaim(new Claim(SubjectClaim, Subject));
        identity.AddClaim(new Claim(PrincipalTypeClaim, Kind == PrincipalKind.User ? "user" : "service"));

        return new ClaimsPrincipal(identity);
    }
}
