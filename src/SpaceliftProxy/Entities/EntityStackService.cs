using SpaceliftProxy.Runs;
using SpaceliftProxy.Spacelift;
using SpaceliftProxy.Stacks;

namespace SpaceliftProxy.Entities;

/// <summary>
/// Finds the stacks a catalog entity's annotations name and reads each with its latest runs,
/// through the same caches as the stack and run routes.
/// </summary>
internal sealed class EntityStackService(BackstageCatalogClient catalog, StackService stacks, RunService runs)
{
    public const int DefaultRuns = 5;
    public const int MaxRuns = 20;

    /// <summary>Most stacks read from Spacelift at the same time for one entity, so a long list does not flood Spacelift.</summary>
    public const int MaxConcurrentStacks = 4;

    /// <summary>Most stacks shown for one entity; each costs Spacelift calls on every page view.</summary>
    public const int MaxStacks = 50;

    /// <summary>Text of <see cref="EntityStacks.Message"/> for an entity without Spacelift annotations.</summary>
    public const string NoAnnotationMessage =
        $"The entity has no {StackAnnotations.StackIdKey} or {StackAnnotations.StackLabelKey} annotation. Add {StackAnnotations.StackIdKey}: <stack id>[,<stack id>...] or {StackAnnotations.StackLabelKey}: <label> to its catalog-info.yaml.";

    /// <summary>
    /// Reads the entity with the caller's credentials and returns its stacks, each with up to
    /// <paramref name="runCount"/> runs. Annotated stack ids that Spacelift does not have are listed as missing.
    /// </summary>
    public async Task<EntityStacks> GetAsync(EntityName entity, int runCount, string? authorization, CancellationToken cancellationToken)
    {
        var catalogEntity = await catalog.GetEntityAsync(entity, authorization, cancellationToken);
        var annotations = StackAnnotations.From(catalogEntity.Annotations);
        if (annotations.IsEmpty)
        {
            return new EntityStacks(catalogEntity.EntityRef, [], [], [], NoAnnotationMessage);
        }

        var stackIds = await ResolveStackIdsAsync(annotations, cancellationToken);
        string? message = null;
        if (stackIds.Count > MaxStacks)
        {
            message = $"The entity's annotations name {stackIds.Count} stacks; only the first {MaxStacks} are shown.";
            stackIds = stackIds[..MaxStacks];
        }
        else if (stackIds.Count == 0 && annotations.InvalidIds.Count == 0)
        {
            message = annotations.Label is null
                ? $"The {StackAnnotations.StackIdKey} annotation names no stack id."
                : $"No stack carries the label '{annotations.Label}' of the {StackAnnotations.StackLabelKey} annotation.";
        }

        var found = new EntityStack?[stackIds.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, stackIds.Count),
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentStacks, CancellationToken = cancellationToken },
            async (index, cancellation) => found[index] = await ReadStackAsync(stackIds[index], runCount, cancellation));

        var missing = stackIds.Where((_, index) => found[index] is null).ToArray();

        return new EntityStacks(catalogEntity.EntityRef, [.. found.OfType<EntityStack>()], missing, annotations.InvalidIds, message);
    }

    /// <summary>Returns the annotated ids, then the ids of stacks carrying the annotated label, each once.</summary>
    private async Task<List<string>> ResolveStackIdsAsync(StackAnnotations annotations, CancellationToken cancellationToken)
    {
        var ids = new List<string>(annotations.StackIds);
        if (annotations.Label is { } label)
        {
            var list = await stacks.ListAsync(cancellationToken);
            var labelled = StackFilter.From(spaces: null, labels: [label], states: null, text: null).Apply(list.Value);
            ids.AddRange(labelled.Select(stack => stack.Id));
        }

        return [.. ids.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Returns a stack with its runs, or null when Spacelift has no such stack.</summary>
    private async Task<EntityStack?> ReadStackAsync(string stackId, int runCount, CancellationToken cancellationToken)
    {
        try
        {
            var details = await stacks.GetAsync(stackId, cancellationToken);
            IReadOnlyList<RunSummary> recent = runCount == 0
                ? []
                : (await runs.ListAsync(stackId, runCount, before: null, cancellationToken)).Value.Runs;

            return new EntityStack(details.Value, recent);
        }
        catch (SpaceliftNotFoundException)
        {
            // A stale annotation is the entity owner's to fix, not a reason to fail the whole response.
            return null;
        }
    }
}
