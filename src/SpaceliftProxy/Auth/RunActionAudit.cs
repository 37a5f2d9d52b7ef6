using Microsoft.AspNetCore.Http.HttpResults;
using SpaceliftProxy.Diagnostics;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Auth;

/// <summary>A change to Spacelift that a caller may make, each audited and checked against the allow list.</summary>
internal enum RunAction
{
    Trigger,
    Confirm,
    Discard,
}

/// <summary>Marks an endpoint as <see cref="RunAction"/>, for the audit log and the messages of the barrier.</summary>
internal sealed record RunActionMetadata(RunAction Action);

/// <summary>A route result that names the run it created or changed, for the audit log.</summary>
internal interface IRunResult
{
    string Id { get; }
}

/// <summary>
/// Writes one audit event, in the <c>SpaceliftProxy.Audit</c> log category, for every trigger,
/// confirm and discard: who, on which stack and run, and the outcome. Tokens are never logged.
/// </summary>
internal sealed partial class RunActionAudit(ILoggerFactory loggerFactory)
{
    public const string CategoryName = "SpaceliftProxy.Audit";

    private readonly ILogger _logger = loggerFactory.CreateLogger(CategoryName);

    public void Succeeded(HttpContext context, string? runId) =>
        Write(context, LogLevel.Information, "succeeded", StatusCodes.Status200OK, runId, reason: null);

    public void Failed(HttpContext context, int status, string? reason) =>
        Write(context, LogLevel.Warning, "failed", status, runId: null, reason);

    /// <summary>Records a caller that the allow list stopped; does nothing on routes that are not run actions.</summary>
    public void Denied(HttpContext context, string reason) =>
        Write(context, LogLevel.Warning, "denied", StatusCodes.Status403Forbidden, runId: null, reason);

    public void RateLimited(HttpContext context, string reason) =>
        Write(context, LogLevel.Warning, "rate-limited", StatusCodes.Status429TooManyRequests, runId: null, reason);

    private void Write(HttpContext context, LogLevel level, string outcome, int status, string? runId, string? reason)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RunActionMetadata>() is not { } metadata)
        {
            return;
        }

        var credentials = context.Features.Get<BackstageCredentials>();
        var routeValues = context.Request.RouteValues;
        Log.RunAction(
            _logger,
            level,
            metadata.Action,
            credentials?.Subject ?? "anonymous",
            credentials?.OnBehalfOfPlugin,
            routeValues["stackId"] as string,
            runId ?? routeValues["runId"] as string,
            outcome,
            status,
            reason);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5100, Message = "Run action {Action} by {Principal} (via plugin {OnBehalfOfPlugin}) on stack {StackId}, run {RunId}: {Outcome} with {Status} {Reason}")]
        public static partial void RunAction(
            ILogger logger, LogLevel level, RunAction action, string principal, string? onBehalfOfPlugin, string? stackId, string? runId, string outcome, int status, string? reason);
    }
}

/// <summary>Audits the outcome of a run action's handler: success with the run id, or the error status.</summary>
internal sealed class RunActionAuditFilter(RunActionAudit audit) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var httpContext = context.HttpContext;
        object? result;
        try
        {
            result = await next(context);
        }
        catch (Exception ex) when (ErrorResponses.Describe(ex) is { } answer)
        {
            audit.Failed(httpContext, answer.Status, answer.Message);
            throw;
        }
        catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
        {
            audit.Failed(httpContext, StatusCodes.Status499ClientClosedRequest, "The caller closed the request before Spacelift answered.");
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            audit.Failed(httpContext, StatusCodes.Status500InternalServerError, $"Unexpected {ex.GetType().Name}; the error log has the details.");
            throw;
        }

        // Handlers that return Results<...> wrap the actual result.
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        var status = (inner as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
        if (status < StatusCodes.Status400BadRequest)
        {
            audit.Succeeded(httpContext, (inner as IValueHttpResult)?.Value is IRunResult run ? run.Id : null);
        }
        else if (status == StatusCodes.Status429TooManyRequests)
        {
            audit.RateLimited(httpContext, (inner as ProblemHttpResult)?.ProblemDetails.Detail ?? "Too many triggers.");
        }
        else
        {
            audit.Failed(httpContext, status, (inner as ProblemHttpResult)?.ProblemDetails.Detail);
        }

        return result;
    }
}
