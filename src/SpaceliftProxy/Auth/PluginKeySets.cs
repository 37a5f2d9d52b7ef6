using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Auth;

/// <summary>
/// The key sets of Backstage plugins that call this service, found through discovery at
/// <c>{plugin base URL}/.backstage/auth/v1/jwks.json</c>, and the key set of the auth backend,
/// which signs user tokens.
/// </summary>
/// <remarks>
/// Any token can name any plugin id in <c>sub</c>, so the number of plugin key sets is bounded.
/// When the limit is reached, a set that never obtained keys gives way once it may be fetched again;
/// sets with keys are kept. A stream of tokens with made-up plugin ids therefore costs Backstage at
/// most <see cref="Capacity"/> requests per refetch interval.
/// </remarks>
// NOTE: a flood of tokens naming made-up plugins fills the table, and a plugin this replica has
// not seen before is then rejected until the flood stops; plugins with cached keys are not affected.
internal sealed class PluginKeySets
{
    public const int Capacity = 64;
    public const string JwksPath = "/.backstage/auth/v1/jwks.json";

    private const string AuthPluginId = "auth";

    private readonly BackstageDiscovery _discovery;
    private readonly JwksKeySetFactory _factory;
    private readonly ConcurrentDictionary<string, JwksKeySet> _plugins = new(StringComparer.Ordinal);
    private readonly Lock _addLock = new();

    public PluginKeySets(BackstageDiscovery discovery, JwksKeySetFactory factory, IOptions<BackstageAuthOptions> options)
    {
        _discovery = discovery;
        _factory = factory;

        var jwksUrl = options.Value.JwksUrl;
        if (string.IsNullOrWhiteSpace(jwksUrl) && discovery.GetBaseUrl(AuthPluginId) is { } authBaseUrl)
        {
            jwksUrl = authBaseUrl + "/.well-known/jwks.json";
        }

        UserTokenKeys = string.IsNullOrWhiteSpace(jwksUrl) ? null : factory.Create(new Uri(jwksUrl), "Backstage's auth backend", notFoundMeansUnknownIssuer: false);
    }

    /// <summary>Keys of the auth backend, or null when neither a base URL nor a JWKS URL is configured.</summary>
    public JwksKeySet? UserTokenKeys { get; }

    /// <summary>Returns the key set of a calling plugin, creating it on first use.</summary>
    /// <exception cref="CredentialsRejectedException">No discovery target is known, or too many plugins have called.</exception>
    public JwksKeySet ForPlugin(string pluginId)
    {
        if (_plugins.TryGetValue(pluginId, out var keySet))
        {
            return keySet;
        }

        var baseUrl = _discovery.GetBaseUrl(pluginId) ?? throw CredentialsRejectedException.Invalid(
            $"Plugin tokens cannot be verified: no discovery target for plugin '{pluginId}' and no {BackstageDiscovery.BaseUrlKey} is configured.");

        lock (_addLock)
        {
            if (_plugins.TryGetValue(pluginId, out keySet))
            {
                return keySet;
            }

            if (_plugins.Count >= Capacity)
            {
                RemoveUnusedKeySets();
            }

            if (_plugins.Count >= Capacity)
            {
                throw CredentialsRejectedException.Invalid(
                    $"Plugin tokens from more than {Capacity} different plugins arrived recently; the token from plugin '{pluginId}' cannot be verified now. Try again later.");
            }

            keySet = _factory.Create(new Uri(baseUrl + JwksPath), $"plugin '{pluginId}'", notFoundMeansUnknownIssuer: true);
            _plugins[pluginId] = keySet;

            return keySet;
        }
    }

    private void RemoveUnusedKeySets()
    {
        foreach (var (pluginId, keySet) in _plugins)
        {
            if (!keySet.HasKeys && !keySet.IsThrottled)
            {
                _plugins.TryRemove(pluginId, out _);
            }
        }
    }
}
