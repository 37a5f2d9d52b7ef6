namespace SpaceliftProxy.Auth;

/// <summary>Backstage entity refs, <c>kind:namespace/name</c>, compared as Backstage compares them.</summary>
internal static class EntityRefs
{
    private const string DefaultNamespace = "default";

    /// <summary>
    /// Completes a short ref (<c>jdoe</c>, <c>default/jdoe</c>, <c>user:jdoe</c>) with the default
    /// kind and the <c>default</c> namespace and lower-cases it, because Backstage matches entity
    /// refs case-insensitively. Returns null when the text is not an entity ref.
    /// </summary>
    public static string? Normalize(string? value, string defaultKind)
    {
        var text = value?.Trim() ?? "";
        if (text.Length == 0 || text.Any(char.IsWhiteSpace))
        {
            return null;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var kind = colon > 0 ? text[..colon] : defaultKind;
        var rest = colon > 0 ? text[(colon + 1)..] : text;

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var ns = slash > 0 ? rest[..slash] : DefaultNamespace;
        var name = slash > 0 ? rest[(slash + 1)..] : rest;

        if (colon == 0 || slash == 0 || name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal))
        {
            return null;
        }

        return $"{kind}:{ns}/{name}".ToLowerInvariant();
    }
}
