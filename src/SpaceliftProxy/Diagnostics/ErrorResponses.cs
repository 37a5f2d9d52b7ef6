using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SpaceliftProxy.Entities;
using SpaceliftProxy.Runs;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Diagnostics;

/// <summary>
/// The one place that decides which HTTP status and message a failure becomes. Every non-2xx
/// response is RFC 9457 problem details with an <c>error</c> string member, because the Spacelift
/// frontend shows <c>(await response.json()).error</c>. There is no top-level <c>response</c>
/// member, which Backstage's error parser would misread.
/// </summary>
internal static partial class ErrorResponses
{
    /// <summary>Adds problem details for every error response, with the <c>error</c> member.</summary>
    public static IServiceCollection AddErrorResponses(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (problem.Status == StatusCodes.Status404NotFound && problem.Detail is null)
            {
                problem.Detail = $"No route matches {context.HttpContext.Request.Method} {context.HttpContext.Request.Path}.";
            }
            else if (problem.Status == StatusCodes.Status405MethodNotAllowed && problem.Detail is null)
            {
                problem.Detail = $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}.";
            }

            problem.Extensions["error"] = problem.Detail ?? problem.Title ?? "The request failed.";
        });
        services.AddExceptionHandler<SpaceliftExceptionHandler>();

        return services;
    }

    /// <summary>Turns exceptions and empty error responses (unknown route, wrong method) into problem details.</summary>
    public static IApplicationBuilder UseErrorResponses(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();

        return app;
    }

    public static ProblemHttpResult BadRequest(string error) => Problem(StatusCodes.Status400BadRequest, error);

    public static ProblemHttpResult Forbidden(string error) => Problem(StatusCodes.Status403Forbidden, error);

    public static ProblemHttpResult NotFound(string error) => Problem(StatusCodes.Status404NotFound, error);

    public static ProblemHttpResult Problem(int status, string error) => TypedResults.Problem(detail: error, statusCode: status);

    /// <summary>
    /// Returns the status code and message an expected exception becomes, or null for an unexpected
    /// exception, which becomes a 500.
    /// </summary>
    public static (int Status, string Message)? Describe(Exception exception) => exception switch
    {
        SpaceliftException spacelift => Map(spacelift),
        CatalogException catalog => (Map(catalog), catalog.Message),
        RunNotAwaitingConfirmationException conflict => (StatusCodes.Status409Conflict, conflict.Message),
        BadHttpRequestException badRequest => (badRequest.StatusCode, badRequest.Message),
        _ => null,
    };

    /// <summary>Maps a failed call to Spacelift onto the status code and message the caller sees.</summary>
    public static (int Status, string Message) Map(SpaceliftException exception) => exception switch
    {
        SpaceliftNotFoundException => (StatusCodes.Status404NotFound, exception.Message),
        SpaceliftRateLimitedException => (StatusCodes.Status503ServiceUnavailable, exception.Message + " Try again later."),
        SpaceliftTimeoutException => (StatusCodes.Status504GatewayTimeout, exception.Message),
        SpaceliftApiKeyRejectedException => (StatusCodes.Status502BadGateway, exception.Message),
        SpaceliftAccessDeniedException => (StatusCodes.Status502BadGateway, exception.Message),
        SpaceliftMachineSessionException => (StatusCodes.Status502BadGateway, exception.Message),
        SpaceliftUnavailableException => (StatusCodes.Status502BadGateway, exception.Message),
        SpaceliftInvalidResponseException => (StatusCodes.Status502BadGateway, exception.Message),
        _ => (StatusCodes.Status502BadGateway, exception.Message),
    };

    /// <summary>
    /// Maps a failed catalog request onto the status code returned to the caller. The catalog's 401
    /// and 403 are passed on, because they concern the caller's own credentials.
    /// </summary>
    public static int Map(CatalogException exception) => exception switch
    {
        CatalogNotConfiguredException => StatusCodes.Status503ServiceUnavailable,
        CatalogEntityNotFoundException => StatusCodes.Status404NotFound,
        CatalogAccessDeniedException denied => denied.StatusCode,
        CatalogTimeoutException => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status502BadGateway,
    };

    private sealed partial class SpaceliftExceptionHandler(IProblemDetailsService problemDetails, ILogger<SpaceliftExceptionHandler> logger)
        : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            int status;
            string message;
            switch (exception)
            {
                case SpaceliftException spacelift:
                    (status, message) = Map(spacelift);
                    Log.SpaceliftFailed(logger, spacelift, httpContext.Request.Method, httpContext.Request.Path, status, spacelift.GetType().Name);
                    if (spacelift is SpaceliftRateLimitedException { RetryAfter: { } retryAfter })
                    {
                        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                        httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                    }
                    else if (spacelift is SpaceliftRateLimitedException)
                    {
                        httpContext.Response.Headers.RetryAfter = "5";
                    }

                    break;

                case CatalogException catalog:
                    status = Map(catalog);
                    message = catalog.Message;
                    Log.CatalogFailed(
                        logger,
                        status >= StatusCodes.Status500InternalServerError ? LogLevel.Warning : LogLevel.Information,
                        catalog,
                        httpContext.Request.Method,
                        httpContext.Request.Path.Value,
                        status);
                    break;

                case RunNotAwaitingConfirmationException conflict:
                    status = StatusCodes.Status409Conflict;
                    message = conflict.Message;
                    Log.RunNotAwaitingConfirmation(logger, httpContext.Request.Method, httpContext.Request.Path.Value, conflict.RunId, conflict.State);
                    break;

                case BadHttpRequestException badRequest:
                    status = badRequest.StatusCode;
                    message = badRequest.Message;
                    break;

                default:
                    status = StatusCodes.Status500InternalServerError;
                    message = "An unexpected error occurred in Spacelift Proxy; its log has the details.";
                    Log.Unexpected(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
                    break;
            }

            httpContext.Response.StatusCode = status;

            return await problemDetails.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = new ProblemDetails { Status = status, Detail = message },
            });
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3000, Level = LogLevel.Warning, Message = "{Method} {Path} answered {Status}: {Kind}")]
        public static partial void SpaceliftFailed(ILogger logger, Exception exception, string method, string path, int status, string kind);

        [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "{Method} {Path} failed unexpectedly")]
        public static partial void Unexpected(ILogger logger, Exception exception, string method, string path);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "{Method} {Path} answered 409: run {RunId} is in state {State}, not UNCONFIRMED")]
        public static partial void RunNotAwaitingConfirmation(ILogger logger, string method, string? path, string runId, string? state);

        [LoggerMessage(EventId = 3003, Message = "{Method} {Path} answered {Status} because the request to Backstage's catalog failed")]
        public static partial void CatalogFailed(ILogger logger, LogLevel level, Exception exception, string method, string? path, int status);
    }
}
