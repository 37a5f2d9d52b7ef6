namespace SpaceliftProxy.Stacks;

/// <summary>
/// Filters for the stack list, applied to the cached list so that they cost no Spacelift call.
/// Empty and blank values are ignored, so a cleared search box returns the whole list.
/// </summary>
/// <param name="Spaces">Space ids (exact) or names (any case), of which a stack must be in one.</param>
/// <param name="Labels">Labels a stack must all carry, compared exactly.</param>
/// <param name="States">States of which a stack must be in one, in any case.</param>
/// <param name="Text">Text the name or description must contain, in any case.</param>
internal sealed record StackFilter(IReadOnlyList<string> Spaces, IReadOnlyList<string> Labels, IReadOnlyList<string> States, string? Text)
{
    public static StackFilter From(IEnumerable<string?>? spaces, IEnumerable<string?>? labels, IEnumerable<string?>? states, string? text) =>
        new(CleanAll(spaces), CleanAll(labels), CleanAll(states), Clean(text));

    public bool IsEmpty => Spaces.Count == 0 && Labels.Count == 0 && States.Count == 0 && Text is null;

    /// <summary>Returns the stacks that match, in their order, or the list itself when the filter is empty.</summary>
    public IReadOnlyList<StackSummary> Apply(IReadOnlyList<StackSummary> stacks) =>
        IsEmpty ? stacks : [.. stacks.Where(Matches)];

    public bool Matches(StackSummary stack)
    {
        if (Spaces.Count > 0 && !Spaces.Any(space => IsInSpace(stack, space)))
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

    private static bool IsInSpace(StackSummary stack, string space) =>
        string.Equals(stack.SpaceDetails.Id, space, StringComparison.Ordinal)
        || string.Equals(stack.SpaceDetails.Name, space, StringComparison.OrdinalIgnoreCase);

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string[] CleanAll(IEnumerable<string?>? values) =>
        values is null ? [] : [.. values.Select(Clean).OfType<string>().Distinct(StringComparer.Ordinal)];
}
