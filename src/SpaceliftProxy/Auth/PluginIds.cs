using System.Collections.Frozen;

namespace SpaceliftProxy.Auth;

/// <summary>
/// The Backstage plugin ids of this service: the last segment of each base path. Plugin
/// tokens must name one of them in <c>aud</c>, and external access restrictions must list one.
/// </summary>
internal static class PluginIds
{
    /// <summary>The plugin id of the official Spacelift backend plugin.</summary>
    public const string Primary = "spacelift-io";

    private static readonly FrozenSet<string> Own = PluginApi.BasePaths
        .Select(path => path[(path.LastIndexOf('/') + 1)..])
        .ToFrozenSet(StringComparer.Ordinal);

    public static bool IsOwn(string pluginId) => Own.Contains(pluginId);
}
