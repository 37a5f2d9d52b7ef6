using System.Collections.Frozen;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Auth;

/// <summary>
/// Requires the caller to be on <c>Backstage:Auth:ActionAllowList</c>; put on every route that
/// changes Spacelift, through <see cref="RunActions.RequireRunAction"/>.
/// </summary>
internal sealed class ActionAllowListRequirement : IAuthorizationRequirement;

/// <summary>
/// Checks <see cref="ActionAllowListRequirement"/>: a user matches by entity ref or by one of its
/// groups, a service by plugin id or subject. When all lists are empty every caller matches.
/// </summary>
/// <remarks>
/// A user's groups are the token's <c>ent</c> claim, or Backstage's user info when the token has
/// none; they are read only when the user is not listed by name and a group list is set.
/// </remarks>
internal sealed class ActionAllowListHandler : AuthorizationHandler<ActionAllowListRequirement>
{
    private readonly bool _isEmpty;
    private readonly FrozenSet<string> _users;
    private readonly FrozenSet<string> _groups;
    private readonly FrozenSet<string> _services;
    private readonly UserInfoClient _userInfo;

    public ActionAllowListHandler(IOptions<BackstageAuthOptions> options, UserInfoClient userInfo)
    {
        var allowList = options.Value.ActionAllowList;
        _isEmpty = allowList.IsEmpty;
        _users = Normalize(allowList.Users, "user");
        _groups = Normalize(allowList.Groups, "group");
        _services = allowList.Services.Select(service => service.Trim()).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _userInfo = userInfo;
    }

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ActionAllowListRequirement requirement)
    {
        if (_isEmpty)
        {
            context.Succeed(requirement);
            return;
        }

        var httpContext = context.Resource as HttpContext;
        var credentials = httpContext?.Features.Get<BackstageCredentials>();
        if (credentials is null)
        {
            context.Fail(new AuthorizationFailureReason(this,
                "Only the users, groups and services in Backstage:Auth:ActionAllowList may trigger, confirm or discard runs; send a Backstage token."));
            return;
        }

        if (credentials.Kind == PrincipalKind.Service)
        {
            if (IsListedService(credentials.Subject))
            {
                context.Succeed(requirement);
            }
            else
            {
                context.Fail(new AuthorizationFailureReason(this,
                    $"{credentials.Subject} may not trigger, confirm or discard runs: Backstage:Auth:ActionAllowList:Services does not list it."));
            }

            return;
        }

        if (_users.Contains(EntityRefs.Normalize(credentials.Subject, "user") ?? credentials.Subject))
        {
            context.Succeed(requirement);
            return;
        }

        if (_groups.Count > 0)
        {
            IReadOnlyList<string> groups;
            try
            {
                groups = credentials.OwnershipEntityRefs is { } ent
                    ? ent.Select(entityRef => EntityRefs.Normalize(entityRef, "group")).OfType<string>().ToArray()
                    : await _userInfo.GetOwnershipEntityRefsAsync(credentials, httpContext!.RequestAborted);
            }
            catch (UserInfoUnavailableException ex)
            {
                context.Fail(new BackstageUnavailableReason(this, ex.Message));
                return;
            }

            if (groups.Any(_groups.Contains))
            {
                context.Succeed(requirement);
                return;
            }
        }

        context.Fail(new AuthorizationFailureReason(this,
            $"{credentials.Subject} may not trigger, confirm or discard runs: Backstage:Auth:ActionAllowList lists neither the user nor any of its groups."));
    }

    /// <summary>Matches <c>scaffolder</c> and <c>plugin:scaffolder</c> to the plugin's subject <c>plugin:scaffolder</c>.</summary>
    private bool IsListedService(string subject) =>
        _services.Contains(subject)
        || (subject.StartsWith("plugin:", StringComparison.Ordinal) && _services.Contains(subject["plugin:".Length..]));

    private static FrozenSet<string> Normalize(IEnumerable<string> refs, string defaultKind) =>
        refs.Select(entityRef => EntityRefs.Normalize(entityRef, defaultKind)).OfType<string>().ToFrozenSet(StringComparer.Ordinal);
}
