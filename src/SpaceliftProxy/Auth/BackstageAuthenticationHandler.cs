using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Auth;

/// <summary>
/// The <c>Backstage</c> authentication scheme: verifies the bearer token and keeps the caller in the
/// request's features. A rejected token leaves the reason there instead, for the 401, 403 or 503 response.
/// </summary>
internal sealed partial class BackstageAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    CredentialVerifier verifier)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Backstage";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!BearerToken.TryRead(Request.Headers.Authorization, out var token, out var problem))
        {
            Context.Features.Set(new CredentialsFailure(StatusCodes.Status401Unauthorized, problem, TokenPresent: false));

            return AuthenticateResult.NoResult();
        }

        try
        {
            var credentials = await verifier.VerifyAsync(token, Context.RequestAborted);
            Context.Features.Set(credentials);

            return AuthenticateResult.Success(new AuthenticationTicket(credentials.ToClaimsPrincipal(), SchemeName));
        }
        catch (CredentialsRejectedException ex)
        {
            Context.Features.Set(new CredentialsFailure(ex.StatusCode, ex.Message, TokenPresent: true));
            if (Logger.IsEnabled(LogLevel.Debug))
            {
                Log.TokenRejected(Logger, Request.Method, Request.Path.Value ?? "", ex.StatusCode, ex.Message);
            }

            return AuthenticateResult.Fail(ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5010, Level = LogLevel.Debug, Message = "{Method} {Path}: credentials rejected with {Status}: {Reason}")]
        public static partial void TokenRejected(ILogger logger, string method, string path, int status, string reason);
    }
}

/// <summary>Why a request's credentials were not accepted, for the response the barrier sends.</summary>
/// <param name="TokenPresent">False when the request carried no usable Authorization header.</param>
internal sealed record CredentialsFailure(int Status, string Message, bool TokenPresent);
