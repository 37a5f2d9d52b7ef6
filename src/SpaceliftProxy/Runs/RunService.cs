using Microsoft.Extensions.Options;
using SpaceliftProxy.Caching;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Runs;

/// <summary>Reads a stack's runs through the cache, following Spacelift's cursor.</summary>
internal sealed partial class RunService(
    SpaceliftClient spacelift,
    ResponseCache cache,
    CacheKeys keys,
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Spacelift's runs cursor for stack {StackId} did not advance past {Cursor}; returning the {Count} runs read so far")]
        public static partial void CursorDidNotAdvance(ILogger logger, string stackId, string cursor, int count);
    }
}
