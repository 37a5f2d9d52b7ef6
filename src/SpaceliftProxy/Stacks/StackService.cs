using Microsoft.Extensions.Options;
using SpaceliftProxy.Caching;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Diagnostics;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Stacks;

/// <summary>Reads stacks through the cache and triggers runs, dropping what a trigger makes stale.</summary>
internal sealed class StackService(
    SpaceliftClient spacelift,
    ResponseCache cache,
    CacheKeys keys,
    CacheInvalidation invalidation,
    ProxyTelemetry telemetry,
    IOptions<CacheOptions> cacheOptions,
    IOptions<SpaceliftOptions> spaceliftOptions)
{
    private readonly CacheEntry _listEntry = new("stacks", keys.Stacks, cacheOptions.Value.StacksTtl);
    private readonly TimeSpan _detailsLifetime = cacheOptions.Value.StackTtl;
    private readonly SpaceliftHost _host = spaceliftOptions.Value.Host;

    /// <summary>How long a stack list is reused.</summary>
    public TimeSpan ListLifetime => _listEntry.Lifetime;

    /// <summary>How long one stack's details are reused.</summary>
    public TimeSpan DetailsLifetime => _detailsLifetime;

    /// <summary>Returns every stack the API key can read. Concurrent misses share one call to Spacelift.</summary>
    public Task<CacheResult<IReadOnlyList<StackSummary>>> ListAsync(CancellationToken cancellationToken) =>
        cache.GetOrFetchAsync<IReadOnlyList<StackSummary>>(
            _listEntry,
            async cancellation => (await spacelift.ListStacksAsync(cancellation)).Select(StackSummary.From).ToArray(),
            cancellationToken);

    /// <summary>
    /// Returns one stack's details, or throws <see cref="SpaceliftNotFoundException"/> when Spacelift
    /// has no such stack. Concurrent misses share one call to Spacelift.
    /// </summary>
    public Task<CacheResult<StackDetails>> GetAsync(string stackId, CancellationToken cancellationToken) =>
        cache.GetOrFetchAsync(
            new CacheEntry("stack", keys.Stack(stackId), _detailsLifetime, [keys.StackTag(stackId)]),
            async cancellation => StackDetails.From(await spacelift.GetStackAsync(stackId, cancellation), _host),
            cancellationToken);

    /// <summary>Triggers a run on a stack and drops the cached entries the run makes stale.</summary>
    public async Task<TriggeredRun> TriggerAsync(string stackId, string? commitSha, string? runType, CancellationToken cancellationToken)
    {
        SpaceliftRun run;
        try
        {
            run = await spacelift.TriggerRunAsync(stackId, commitSha, runType, cancellationToken);
        }
        catch (SpaceliftException ex)
        {
            telemetry.RecordRunAction("trigger", ex.Kind);
            throw;
        }

        telemetry.RecordRunAction("trigger", "success");

        // The run exists now whatever the caller does, so the cache is cleaned even if they hang up.
        await invalidation.StackChangedAsync(stackId, CancellationToken.None);

        var runId = run.Id ?? throw new SpaceliftInvalidResponseException("Spacelift's runTrigger response has no run id.");

        return new TriggeredRun(runId, run.State, run.Type, _host.RunPage(stackId, runId));
    }
}
