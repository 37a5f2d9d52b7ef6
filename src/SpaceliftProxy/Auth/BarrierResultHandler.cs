using System.Globalization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Diagnostics;

namespace SpaceliftProxy.Auth;

/// <summary>
/// Writes the response to a request that the credentials barrier or the allow list stops: problem
/// details with the reason in <c>error</c>, like every other error response of this service.
/// </summary>
/// <remarks>
/// 401 carries <c>WWW-Authenticate: Bearer</c> (RFC 6750), with <c>error="invalid_token"</c> when a
/// token was sent. 503 means the keys or the user's groups could not be fetched from Backstage and
/// carries <c>Retry-After</c>.
/// </remarks>
internal sealed class BarrierResultHandler(RunActionAudit audit, IOptions<BackstageAuthOptions> options) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            var failure = context.Features.Get<CredentialsFailure>()
                ?? new CredentialsFailure(StatusCodes.Status401Unauthorized, BearerToken.MissingMessage, TokenPresent: false);
            if (failure.Status == StatusCodes.Status401Unauthorized)
            {
                context.Response.Headers.WWWAuthenticate = failure.TokenPresent ? "Bearer error=\"invalid_token\"" : "Bearer";
            }

            await WriteAsync(context, failure.Status, failure.Message);
            return;
        }

        if (authorizeResult.Forbidden)
        {
            var reasons = authorizeResult.AuthorizationFailure?.FailureReasons ?? [];
            var unavailable = reasons.OfType<BackstageUnavailableReason>().FirstOrDefault();
            var message = unavailable?.Message
                ?? reasons.FirstOrDefault()?.Message
                ?? "The caller may not use this route.";

            audit.Denied(context, message);
            await WriteAsync(context, unavailable is null ? StatusCodes.Status403Forbidden : StatusCodes.Status503ServiceUnavailable, message);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    private Task WriteAsync(HttpContext context, int status, string message)
    {
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(options.Value.JwksRefetchInterval.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return ErrorResponses.Problem(status, message).ExecuteAsync(context);
    }
}

/// <summary>An authorization failure caused by Backstage not responding, which becomes 503 instead of 403.</summary>
internal sealed class BackstageUnavailableReason(IAuthorizationHandler handler, string message) : AuthorizationFailureReason(handler, message);
