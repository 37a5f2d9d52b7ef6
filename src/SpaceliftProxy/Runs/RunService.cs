using Microsoft.Extensions.Options;
using SpaceliftProxy.Caching;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Diagnostics;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Runs;

/// <summary>
/// Reads a stack's runs through the cache, following Spacelift's cursor, and confirms or discards
/// runs, dropping what a decision makes stale.
/// </summary>
internal sealed partial class RunService(
    SpaceliftClient spacelift,
    ResponseCache cache,
    CacheKeys keys,
    CacheInvalidation invalidation,
    ProxyTelemetry telemetry,
    IOptions<CacheOptions> cacheOptions,
    IOptions<SpaceliftOptions> spaceliftOptions,
    ILogger<RunService> logger)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    private readonly TimeSpan _pageLifetime = cacheOptions.Value.RunsTtl;
    private readonly SpaceliftHost _host = spaceliftOptions.Value.Host;

    /// <summary>How long a page of runs is reused.</summary>
    public TimeSpan PageLifetime => _pageLifetime;

    /// <summary>
    /// Returns up to <paramref name="limit"/> tracked runs older than the run <paramref name="before"/>
    /// (the newest without it). Concurrent misses for the same page share one series of Spacelift calls.
    /// </summary>
    public Task<CacheResult<RunPage>> ListAsync(string stackId, int limit, string? before, CancellationToken cancellationToken) =>
        cache.GetOrFetchAsync(
            new CacheEntry("runs", keys.Runs(stackId, before, limit), _pageLifetime, [keys.StackTag(stackId)]),
            cancellation => FetchPageAsync(stackId, limit, before, cancellation),
            cancellationToken);

    /// <summary>Confirms or discards a run that waits for confirmation and returns the run afterwards.</summary>
    /// <exception cref="RunNotAwaitingConfirmationException">The run is not <c>UNCONFIRMED</c>.</exception>
    public async Task<RunSummary> DecideAsync(string stackId, string runId, ConfirmationDecision decision, CancellationToken cancellationToken)
    {
        var action = decision == ConfirmationDecision.Confirm ? "confirm" : "discard";
        try
        {
            var run = await DecideCoreAsync(stackId, runId, decision, cancellationToken);
            telemetry.RecordRunAction(action, "success");

            return run;
        }
        catch (RunNotAwaitingConfirmationException)
        {
            telemetry.RecordRunAction(action, "not_awaiting_confirmation");
            throw;
        }
        catch (SpaceliftException ex)
        {
            telemetry.RecordRunAction(action, ex.Kind);
            throw;
        }
    }

    private async Task<RunSummary> DecideCoreAsync(string stackId, string runId, ConfirmationDecision decision, CancellationToken cancellationToken)
    {
        // Spacelift's error text for a run in the wrong state is not documented, so the run's state
        // is checked first, and again if the mutation fails, instead of matching the error message.
        var current = await spacelift.GetRunAsync(stackId, runId, cancellationToken);
        if (current.State != RunStates.Unconfirmed)
        {
            throw new RunNotAwaitingConfirmationException(stackId, runId, current.State, decision);
        }

        SpaceliftRun decided;
        try
        {
            decided = decision == ConfirmationDecision.Confirm
                ? await spacelift.ConfirmRunAsync(stackId, runId, cancellationToken)
                : await spacelift.DiscardRunAsync(stackId, runId, cancellationToken);
        }
        catch (SpaceliftRequestFailedException ex)
        {
            var state = await ReadStateAfterFailureAsync(stackId, runId, cancellationToken);
            if (state is not null && state != RunStates.Unconfirmed)
            {
                Log.RunChangedMeanwhile(logger, runId, stackId, state, decision);
                throw new RunNotAwaitingConfirmationException(stackId, runId, state, decision, ex);
            }

            throw;
        }
        finally
        {
            // Whatever Spacelift did with the mutation, cached runs of the stack may be stale now.
            // The caller may hang up before the response, so the cleanup does not take their token.
            await invalidation.StackChangedAsync(stackId, CancellationToken.None);
        }

        Log.RunDecided(logger, runId, stackId, decision, decided.State);

        return RunSummary.From(decided, stackId, _host);
    }

    /// <summary>
    /// Collects runs page by page. Spacelift's page size is not documented, so the loop requests
    /// pages until it has <paramref name="limit"/> runs or gets an empty page. It stops early when a
    /// page brings no run it has not seen, because then the cursor did not advance.
    /// </summary>
    private async Task<RunPage> FetchPageAsync(string stackId, int limit, string? before, CancellationToken cancellationToken)
    {
        var runs = new List<RunSummary>(limit);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (before is not null)
        {
            seen.Add(before);
        }

        var cursor = before;
        while (runs.Count < limit)
        {
            var page = await spacelift.ListRunsAsync(stackId, cursor, cancellationToken);
            if (page.Count == 0)
            {
                return new RunPage(runs, NextBefore: null);
            }

            var added = 0;
            foreach (var run in page)
            {
                if (runs.Count == limit)
                {
                    break;
                }

                if (seen.Add(run.Id!))
                {
                    runs.Add(RunSummary.From(run, stackId, _host));
                    added++;
                }
            }

            if (added == 0)
            {
                Log.CursorDidNotAdvance(logger, stackId, cursor ?? "(none)", runs.Count);

                return new RunPage(runs, NextBefore: null);
            }

            cursor = page[^1].Id;
        }

        // Only another request would show whether older runs follow, so a full page always offers a
        // cursor. The page it leads to may be empty.
        return new RunPage(runs, runs[^1].Id);
    }

    private async Task<string?> ReadStateAfterFailureAsync(string stackId, string runId, CancellationToken cancellationToken)
    {
        try
        {
            return (await spacelift.GetRunAsync(stackId, runId, cancellationToken)).State;
        }
        catch (SpaceliftException ex)
        {
            Log.StateCheckFailed(logger, ex, runId, stackId);

            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Run {RunId} of stack {StackId}: {Decision} sent to Spacelift, run now {State}")]
        public static partial void RunDecided(ILogger logger, string runId, string stackId, ConfirmationDecision decision, string? state);

        [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Run {RunId} of stack {StackId} moved to {State} before the {Decision} reached Spacelift")]
        public static partial void RunChangedMeanwhile(ILogger logger, string runId, string stackId, string state, ConfirmationDecision decision);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Could not read run {RunId} of stack {StackId} after Spacelift rejected a decision on it")]
        public static partial void StateCheckFailed(ILogger logger, Exception exception, string runId, string stackId);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Spacelift's runs cursor for stack {StackId} did not advance past {Cursor}; returning the {Count} runs read so far")]
        public static partial void CursorDidNotAdvance(ILogger logger, string stackId, string cursor, int count);
    }
}
