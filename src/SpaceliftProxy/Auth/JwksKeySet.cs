using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace SpaceliftProxy.Auth;

/// <summary>
/// The public keys that one Backstage JWKS endpoint publishes, fetched when first needed and again
/// when a token names a key id that is not among them.
/// </summary>
/// <remarks>
/// <para>
/// Fetches of one endpoint start at most once per <see cref="BackstageAuthOptions.JwksRefetchInterval"/>,
/// so tokens with forged key ids cause at most one fetch per interval. Requests that need keys while a
/// fetch runs wait for that fetch instead of starting another. The fetch runs on its own timeout,
/// so a caller that hangs up does not cancel it for the others.
/// </para>
/// <para>
/// A failed fetch keeps the keys from the last good one, so tokens signed with known keys keep
/// working while Backstage is down. Keys older than 10 minutes are fetched again in the background
/// while requests go on using them, so keys that Backstage has retired do not stay valid forever.
/// </para>
/// </remarks>
internal sealed partial class JwksKeySet
{
    public const string HttpClientName = "Backstage.Auth";

    private static readonly TimeSpan MaxKeyAge = TimeSpan.FromMinutes(10);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refetchInterval;
    private readonly ILogger _logger;
    private readonly bool _notFoundMeansUnknownIssuer;
    private readonly Lock _gate = new();

    private KeySnapshot? _keys;
    private Task? _fetch;
    private DateTimeOffset _lastAttempt = DateTimeOffset.MinValue;
    private string? _lastFailure;
    private bool _lastFailureWasNotFound;

    /// <param name="notFoundMeansUnknownIssuer">
    /// True for a plugin's keys, where 404 means no such plugin and the token is rejected with 401.
    /// False for the auth backend, where 404 means a wrong URL and requests get 503.
    /// </param>
    public JwksKeySet(
        Uri url, string owner, bool notFoundMeansUnknownIssuer, IHttpClientFactory httpClientFactory, TimeProvider time, TimeSpan refetchInterval, ILogger logger)
    {
        Url = url;
        Owner = owner;
        _notFoundMeansUnknownIssuer = notFoundMeansUnknownIssuer;
        _httpClientFactory = httpClientFactory;
        _time = time;
        _refetchInterval = refetchInterval;
        _logger = logger;
    }

    public Uri Url { get; }

    /// <summary>Who publishes the keys, for messages: "Backstage's auth backend", "plugin 'scaffolder'".</summary>
    public string Owner { get; }

    /// <summary>True when keys were fetched at least once.</summary>
    public bool HasKeys => Volatile.Read(ref _keys) is not null;

    /// <summary>True when no fetch may start now, because one started within the refetch interval.</summary>
    public bool IsThrottled
    {
        get
        {
            lock (_gate)
            {
                return _time.GetUtcNow() - _lastAttempt < _refetchInterval;
            }
        }
    }

    /// <summary>
    /// Returns the keys that may have signed a token with this key id: the key with that id, or
    /// every key when the token names none.
    /// </summary>
    /// <exception cref="CredentialsRejectedException">
    /// 401 when the endpoint does not know the key or does not exist, 503 when no keys could ever be fetched.
    /// </exception>
    public async ValueTask<IReadOnlyList<SecurityKey>> GetSigningKeysAsync(string? keyId, CancellationToken cancellationToken)
    {
        var keys = Volatile.Read(ref _keys);
        if (keys is not null && keys.TryFind(keyId, out var found))
        {
            if (_time.GetUtcNow() - keys.FetchedAt > MaxKeyAge)
            {
                _ = StartFetch();
            }

            return found;
        }

        var fetch = StartFetch();
        if (fetch is not null)
        {
            await fetch.WaitAsync(cancellationToken);
        }
        else
        {
            Log.RefetchThrottled(_logger, Owner, keyId ?? "(none)");
        }

        keys = Volatile.Read(ref _keys);
        if (keys is not null && keys.TryFind(keyId, out found))
        {
            return found;
        }

        throw Rejection(keyId, keys);
    }

    /// <summary>Starts a fetch unless one runs or the last one started within the refetch interval; returns the running fetch or null.</summary>
    private Task? StartFetch()
    {
        lock (_gate)
        {
            if (_fetch is { IsCompleted: false })
            {
                return _fetch;
            }

            var now = _time.GetUtcNow();
            if (now - _lastAttempt < _refetchInterval)
            {
                return null;
            }

            _lastAttempt = now;
            _fetch = Task.Run(FetchAsync);

            return _fetch;
        }
    }

    /// <summary>Fetches and stores the keys; records a failure instead of throwing.</summary>
    private async Task FetchAsync()
    {
        try
        {
            var client = _httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.GetAsync(Url);
            if (!response.IsSuccessStatusCode)
            {
                RecordFailure($"HTTP {(int)response.StatusCode}", response.StatusCode == HttpStatusCode.NotFound);
                return;
            }

            var json = await response.Content.ReadAsStringAsync();
            var signingKeys = new JsonWebKeySet(json).GetSigningKeys();
            var snapshot = new KeySnapshot(signingKeys, _time.GetUtcNow());
            Volatile.Write(ref _keys, snapshot);
            _lastFailure = null;
            _lastFailureWasNotFound = false;
            Log.KeysFetched(_logger, signingKeys.Count, Owner, Url);
        }
        catch (HttpRequestException ex)
        {
            RecordFailure(ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : $"{ex.HttpRequestError}: {ex.Message}", notFound: false);
        }
        catch (TaskCanceledException)
        {
            RecordFailure("timed out", notFound: false);
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException)
        {
            // JsonWebKeySet reports text that is not a JWKS with ArgumentException.
            RecordFailure("the response is not a JWKS document", notFound: false);
        }
    }

    private void RecordFailure(string failure, bool notFound)
    {
        _lastFailure = failure;
        _lastFailureWasNotFound = notFound;
        Log.FetchFailed(_logger, Owner, Url, failure, HasKeys);
    }

    private CredentialsRejectedException Rejection(string? keyId, KeySnapshot? keys)
    {
        if (keys is not null)
        {
            return CredentialsRejectedException.Invalid(keyId is null
                ? $"The token names no key id, and no key of {Owner} verifies it."
                : $"The token's signing key '{TokenText.Echo(keyId)}' is not among the keys of {Owner}.");
        }

        if (_lastFailureWasNotFound && _notFoundMeansUnknownIssuer)
        {
            return CredentialsRejectedException.Invalid($"The token's issuer is unknown: {Owner} publishes no keys (HTTP 404).");
        }

        return new CredentialsRejectedException(
            StatusCodes.Status503ServiceUnavailable,
            $"The token cannot be verified because the keys of {Owner} could not be fetched ({_lastFailure ?? "not fetched yet"}). Try again later; the service's log names the address.");
    }

    private sealed class KeySnapshot
    {
        private readonly Dictionary<string, SecurityKey[]> _byKeyId;
        private readonly SecurityKey[] _all;

        public KeySnapshot(IList<SecurityKey> keys, DateTimeOffset fetchedAt)
        {
            _all = [.. keys];
            _byKeyId = _all.Where(key => key.KeyId is not null)
                .GroupBy(key => key.KeyId, StringComparer.Ordinal)
                .ToDictionary(group => group.Key, group => group.ToArray(), StringComparer.Ordinal);
            FetchedAt = fetchedAt;
        }

        public DateTimeOffset FetchedAt { get; }

        public bool TryFind(string? keyId, out IReadOnlyList<SecurityKey> keys)
        {
            if (keyId is null)
            {
                keys = _all;
                return _all.Length > 0;
            }

            var found = _byKeyId.TryGetValue(keyId, out var matching);
            keys = matching ?? [];

            return found;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Fetched {Count} signing keys of {Owner} from {Url}")]
        public static partial void KeysFetched(ILogger logger, int count, string owner, Uri url);

        [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Fetching the signing keys of {Owner} from {Url} failed: {Failure}. Earlier keys kept: {HasKeys}")]
        public static partial void FetchFailed(ILogger logger, string owner, Uri url, string failure, bool hasKeys);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Debug, Message = "Key id {KeyId} is unknown to {Owner}, and the keys were fetched too recently to fetch them again")]
        public static partial void RefetchThrottled(ILogger logger, string owner, string keyId);
    }
}

/// <summary>Creates key sets that share the HTTP client, clock, refetch interval and logger.</summary>
internal sealed class JwksKeySetFactory(
    IHttpClientFactory httpClientFactory, TimeProvider time, IOptions<BackstageAuthOptions> options, ILogger<JwksKeySet> logger)
{
    public JwksKeySet Create(Uri url, string owner, bool notFoundMeansUnknownIssuer) =>
        new(url, owner, notFoundMeansUnknownIssuer, httpClientFactory, time, options.Value.JwksRefetchInterval, logger);
}
