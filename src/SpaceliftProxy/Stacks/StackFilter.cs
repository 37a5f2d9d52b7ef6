namespace SpaceliftProxy.Stacks;

/// <summary>
/// Filters for the stack list, applied to the cached list so that they cost no Spacelift call.
/// Empty and blank values are ignored, so a cleared search box returns the whole list.
/// </summary>
/// <param name="Space">A space id (exact) or name (any case).</param>
/// <param name="Labels">Labels a stack must all carry, compared exactly.</param>
/// <param name="States">States of which a stack must be in one, in any case.</param>
/// <param name="Text">Text the name or description must contain, in any case.</param>
internal sealed record StackFilter(string? Space, IReadOnlyList<string> Labels, IReadOnlyList<string> States, string? Text)
{
    public static StackFilter From(string? space, IEnumerable<string?>? labels, IEnumerable<string?>? states, string? text) =>
        new(Clean(space), CleanAll(labels), CleanAll(states), Clean(text));

    public bool IsEmpty => Space is null && Labels.Count == 0 && States.Count == 0 && Text is null;

    /// <summary>Returns the stacks that match, in their order, or the list itself when the filter is empty.</summary>
    public IReadOnlyList<StackSummary> Apply(IReadOnlyList<StackSummary> stacks) =>
        IsEmpty ? stacks : [.. stacks.Where(Matches)];

    public bool Matches(StackSummary stack)
    {
        if (Space is not null
            && !string.Equals(stack.SpaceDetails.Id, Space, StringComparison.Ordinal)
            && !string.Equals(stack.SpaceDetails.Name, Space, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (!Labels.All(label => stack.Labels.Contains(label, StringComparer.Ordinal)))
        {
            return false;
        }

        if (States.Count > 0 && !States.Contains(stack.State ?? "", StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        return Text is null
            || stack.Name.Contains(Text, StringComparison.OrdinalIgnoreCase)
            || stack.Description?.Contains(Text, StringComparison.OrdinalIgnoreCase) == true;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string[] CleanAll(IEnumerable<string?>? values) =>
        values is null ? [] : [.. values.Select(Clean).OfType<string>().Distinct(StringComparer.Ordinal)];
}
