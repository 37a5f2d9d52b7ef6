using Microsoft.AspNetCore.Http.HttpResults;
using SpaceliftProxy.Auth;
using SpaceliftProxy.Caching;
using SpaceliftProxy.Diagnostics;
using SpaceliftProxy.Stacks;

namespace SpaceliftProxy.Runs;

internal static class RunsApi
{
    /// <summary>The 403 message of confirm and discard in read-only mode, worded like the trigger's.</summary>
    public const string ReadOnlyMessage = "Confirm and discard functionality is disabled. Plugin is in read-only mode.";

    public static IServiceCollection AddRuns(this IServiceCollection services) => services.AddSingleton<RunService>();

    /// <summary>Maps a stack's run routes under one base path.</summary>
    public static RouteGroupBuilder MapRunsApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/stacks/{stackId}/runs")
            .WithTags("Runs")
            .AddEndpointFilter<StackRouteValues>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        runs.MapGet("", ListRuns)
            .WithSummary("Lists a stack's tracked runs, newest first, one page at a time.");

        var decisions = runs.MapGroup("/{runId}")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        decisions.MapPost("/confirm", ConfirmRun)
            .WritesToSpacelift(RunAction.Confirm, ReadOnlyMessage)
            .WithSummary("Confirms a run that waits for confirmation, so that it applies its plan.");

        decisions.MapPost("/discard", DiscardRun)
            .WritesToSpacelift(RunAction.Discard, ReadOnlyMessage)
            .WithSummary("Discards a run that waits for confirmation, dropping its plan.");

        return api;
    }

    /// <param name="limit">Number of runs, 1 to 100. Default 20.</param>
    /// <param name="before">The id of a run: only older runs are returned. Pass the previous page's <c>nextBefore</c>.</param>
    public static async Task<Results<Ok<RunPage>, ProblemHttpResult>> ListRuns(
        string stackId,
        string? limit,
        string? before,
        RunService runs,
        HttpResponse response,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!RunQuery.TryParseCount(limit, "limit", 1, RunService.MaxLimit, RunService.DefaultLimit, out var count, out var error))
        {
            return ErrorResponses.BadRequest(error);
        }

        if (RunQuery.ValidateBefore(before) is { } beforeError)
        {
            return ErrorResponses.BadRequest(beforeError);
        }

        var result = await runs.ListAsync(stackId, count, before, cancellationToken);
        CacheStatusHeader.Set(response, result, runs.PageLifetime, time);

        return TypedResults.Ok(result.Value);
    }

    public static async Task<Ok<RunSummary>> ConfirmRun(string stackId, string runId, RunService runs, CancellationToken cancellationToken) =>
        TypedResults.Ok(await runs.DecideAsync(stackId, runId, ConfirmationDecision.Confirm, cancellationToken));

    public static async Task<Ok<RunSummary>> DiscardRun(string stackId, string runId, RunService runs, CancellationToken cancellationToken) =>
        TypedResults.Ok(await runs.DecideAsync(stackId, runId, ConfirmationDecision.Discard, cancellationToken));
}
