using System.Text.RegularExpressions;

namespace SpaceliftProxy.Entities;

/// <summary>
/// A catalog entity's kind, namespace and name, checked against Backstage's default rules
/// (<c>KubernetesValidatorFunctions</c> in <c>@backstage/catalog-model</c>) before they go into a catalog URL.
/// </summary>
internal sealed partial record EntityName(string Kind, string Namespace, string Name)
{
    public const int MaxLength = 63;

    /// <summary>The entity reference, <c>kind:namespace/name</c> in lower case, as Backstage compares references case-insensitively.</summary>
    public string Ref => $"{Kind}:{Namespace}/{Name}".ToLowerInvariant();

    /// <summary>Returns why the parts do not name an entity, or null when they are valid.</summary>
    public static string? Validate(string kind, string @namespace, string name)
    {
        if (!IsValid(kind, KindPattern()))
        {
            return $"The entity kind '{kind}' is invalid: it must be 1 to {MaxLength} letters and digits, starting with a letter, such as Component.";
        }

        if (!IsValid(@namespace, NamePattern()))
        {
            return $"The entity namespace '{@namespace}' is invalid: it must be 1 to {MaxLength} letters and digits, separated by '-', '_' or '.', such as default.";
        }

        if (!IsValid(name, NamePattern()))
        {
            return $"The entity name '{name}' is invalid: it must be 1 to {MaxLength} letters and digits, separated by '-', '_' or '.', such as payments-api.";
        }

        return null;
    }

    private static bool IsValid(string value, Regex pattern) => value.Length is >= 1 and <= MaxLength && pattern.IsMatch(value);

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9]*$")]
    private static partial Regex KindPattern();

    // Backstage's own pattern, which also admits runs of separators such as "a--b".
    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex NamePattern();
}
