using SpaceliftProxy.Auth;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Stacks;

/// <summary>
/// A stack as the Spacelift frontend plugin reads it: these field names and this casing are the
/// contract. <c>state</c> is Spacelift's text, passed through even when this service does not know it.
/// </summary>
internal sealed record StackSummary(
    string Id,
    string Name,
    string? Description,
    IReadOnlyList<string> Labels,
    string? State,
    string? Branch,
    SpaceSummary SpaceDetails)
{
    public static StackSummary From(SpaceliftStack stack)
    {
        var spaceId = stack.SpaceDetails?.Id ?? stack.Space ?? "";

        return new StackSummary(
            stack.Id!,
            stack.Name ?? stack.Id!,
            stack.Description,
            stack.Labels?.OfType<string>().ToArray() ?? [],
            stack.State,
            stack.Branch,
            new SpaceSummary(spaceId, stack.SpaceDetails?.Name ?? spaceId));
    }
}

internal sealed record SpaceSummary(string Id, string Name);

/// <summary>The run a trigger created.</summary>
/// <param name="Url">The run's page in the Spacelift web UI.</param>
internal sealed record TriggeredRun(string Id, string? State, string? Type, Uri Url) : IRunResult;
