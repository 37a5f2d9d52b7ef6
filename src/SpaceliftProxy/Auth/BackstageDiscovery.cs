using System.Text.RegularExpressions;

namespace SpaceliftProxy.Auth;

/// <summary>
/// Finds the internal base URL of a Backstage plugin, such as <c>http://backstage:7007/api/auth</c>,
/// the way Backstage's <c>HostDiscovery</c> does: from <c>discovery.endpoints</c>, else from
/// <c>backend.baseUrl</c> followed by <c>/api/{pluginId}</c>.
/// </summary>
/// <remarks>
/// An endpoint's <c>target</c> is a URL or an <c>{internal, external}</c> pair, of which only the
/// internal URL is used because this service calls Backstage from the inside. Later entries win for
/// the same plugin id, an exact plugin id wins over <c>*</c>, and <c>{{pluginId}}</c> or
/// <c>{{ pluginId }}</c> in a target becomes the URL-encoded plugin id. Backstage falls back to its
/// own listen address, which this service cannot know, so <c>backend.baseUrl</c> is used instead.
/// </remarks>
internal sealed partial class BackstageDiscovery
{
    public const string BaseUrlKey = "Backstage:BaseUrl";
    public const string EndpointsKey = "Backstage:Discovery:Endpoints";
    private const string Wildcard = "*";

    private readonly Dictionary<string, string> _internalTargets;
    private readonly string? _fallbackTarget;

    private BackstageDiscovery(Dictionary<string, string> internalTargets, string? fallbackTarget)
    {
        _internalTargets = internalTargets;
        _fallbackTarget = fallbackTarget;
    }

    /// <summary>The <c>Backstage:BaseUrl</c> setting without a trailing slash, or null when it is not set.</summary>
    public string? BaseUrl { get; private init; }

    /// <summary>Reads the discovery settings and adds every invalid one to <paramref name="errors"/>.</summary>
    /// <param name="warnings">Settings that are valid for Backstage but not used here.</param>
    public static BackstageDiscovery Create(IConfiguration configuration, List<string> errors, List<string> warnings)
    {
        var baseUrl = configuration[BaseUrlKey]?.Trim().TrimEnd('/');
        if (string.IsNullOrEmpty(baseUrl))
        {
            baseUrl = null;
        }
        else if (!IsHttpUrl(baseUrl))
        {
            errors.Add($"{BaseUrlKey} is invalid: '{baseUrl}' is not an http:// or https:// URL (backend.baseUrl in app-config.yaml).");
            baseUrl = null;
        }

        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var endpoint in configuration.GetSection(EndpointsKey).GetChildren())
        {
            var key = $"{EndpointsKey}:{endpoint.Key}";
            var target = NullIfEmpty(endpoint["Target"]) ?? NullIfEmpty(endpoint.GetSection("Target")["Internal"]);
            var plugins = endpoint.GetSection("Plugins").GetChildren().Select(plugin => plugin.Value).OfType<string>().ToArray();
            if (target is null)
            {
                // An entry with only an external target leaves internal lookups to the fallback, as in Backstage.
                continue;
            }

            if (target.StartsWith("http+srv://", StringComparison.OrdinalIgnoreCase) || target.StartsWith("https+srv://", StringComparison.OrdinalIgnoreCase))
            {
                warnings.Add($"{key}:Target uses an SRV record ('{target}'), which this service cannot resolve; plugins {string.Join(", ", plugins)} fall back to {BaseUrlKey}.");
                continue;
            }

            if (!IsHttpUrl(Substitute(target, "plugin")))
            {
                errors.Add($"{key}:Target is invalid: '{target}' is not an http:// or https:// URL (discovery.endpoints[{endpoint.Key}].target in app-config.yaml).");
                continue;
            }

            foreach (var plugin in plugins)
            {
                targets[plugin] = target.TrimEnd('/');
            }
        }

        return new BackstageDiscovery(targets, baseUrl is null ? null : baseUrl + "/api/{{pluginId}}") { BaseUrl = baseUrl };
    }

    /// <summary>Returns the plugin's internal base URL without a trailing slash, or null when nothing configures one.</summary>
    public string? GetBaseUrl(string pluginId)
    {
        var target = _internalTargets.GetValueOrDefault(pluginId) ?? _internalTargets.GetValueOrDefault(Wildcard) ?? _fallbackTarget;

        return target is null ? null : Substitute(target, pluginId);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Substitute(string target, string pluginId) =>
        PluginIdPlaceholder().Replace(target, Uri.EscapeDataString(pluginId));

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.Query.Length == 0
        && uri.Fragment.Length == 0;

    [GeneratedRegex(@"\{\{\s*pluginId\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex PluginIdPlaceholder();
}
