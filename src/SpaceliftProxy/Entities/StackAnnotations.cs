using SpaceliftProxy.Stacks;

namespace SpaceliftProxy.Entities;

/// <summary>The Spacelift annotations of a catalog entity, which name the entity's stacks.</summary>
/// <param name="StackIds">Valid ids from <c>spacelift.io/stack-id</c>, trimmed and without repeats, in annotation order.</param>
/// <param name="InvalidIds">Values from <c>spacelift.io/stack-id</c> that cannot be stack ids.</param>
/// <param name="Label">The label from <c>spacelift.io/stack-label</c>. Every stack carrying it belongs to the entity.</param>
internal sealed record StackAnnotations(IReadOnlyList<string> StackIds, IReadOnlyList<string> InvalidIds, string? Label)
{
    /// <summary>One stack id, or several separated by commas.</summary>
    public const string StackIdKey = "spacelift.io/stack-id";

    /// <summary>One Spacelift label.</summary>
    public const string StackLabelKey = "spacelift.io/stack-label";

    /// <summary>True when the entity carries neither annotation.</summary>
    public bool IsEmpty { get; private init; }

    public static StackAnnotations From(IReadOnlyDictionary<string, string> annotations)
    {
        var ids = new List<string>();
        var invalid = new List<string>();
        var values = annotations.GetValueOrDefault(StackIdKey)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        foreach (var value in values.Distinct(StringComparer.Ordinal))
        {
            if (StackRouteValues.Validate(value, "stack id") is null)
            {
                ids.Add(value);
            }
            else
            {
                invalid.Add(value);
            }
        }

        var label = annotations.GetValueOrDefault(StackLabelKey)?.Trim();

        return new StackAnnotations(ids, invalid, string.IsNullOrEmpty(label) ? null : label)
        {
            IsEmpty = !annotations.ContainsKey(StackIdKey) && !annotations.ContainsKey(StackLabelKey),
        };
    }
}
