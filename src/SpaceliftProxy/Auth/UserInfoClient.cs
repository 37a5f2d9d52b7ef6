using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;

namespace SpaceliftProxy.Auth;

/// <summary>
/// Reads a user's ownership entity refs (the groups the user belongs to) from Backstage's
/// <c>GET {auth}/v1/userinfo</c>, called with the user's own token, for tokens without an
/// <c>ent</c> claim. Auth backend 0.28.0 and later leave <c>ent</c> out of user tokens by default.
/// </summary>
/// <remarks>
/// Responses are cached per token until the token expires, in at most <see cref="Capacity"/> entries,
/// and concurrent requests with the same token share one call.
/// </remarks>
internal sealed partial class UserInfoClient
{
    public const int Capacity = 10_000;

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly Uri? _userInfoUrl;
    private readonly TimeProvider _time;
    private readonly ILogger<UserInfoClient> _logger;
    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();
    private readonly Lock _addLock = new();
    private long _calls;

    public UserInfoClient(IHttpClientFactory httpClientFactory, BackstageDiscovery discovery, TimeProvider time, ILogger<UserInfoClient> logger)
    {
        _httpClientFactory = httpClientFactory;
        _userInfoUrl = discovery.GetBaseUrl("auth") is { } authBaseUrl ? new Uri(authBaseUrl + "/v1/userinfo") : null;
        _time = time;
        _logger = logger;
    }

    /// <summary>Number of calls made to Backstage since start, for tests and diagnostics.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Returns the user's ownership entity refs, normalised as <see cref="EntityRefs"/> does.</summary>
    /// <exception cref="UserInfoUnavailableException">Backstage did not return them.</exception>
    public Task<IReadOnlyList<string>> GetOwnershipEntityRefsAsync(BackstageCredentials user, CancellationToken cancellationToken)
    {
        if (user.UserToken is null || user.ExpiresAt is not { } expiresAt)
        {
            throw new UserInfoUnavailableException($"{user.Subject} has no user token to read its groups with.");
        }

        var key = TokenHash.Of(user.UserToken);
        if (_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > _time.GetUtcNow())
        {
            return entry.Refs.WaitAsync(cancellationToken);
        }

        lock (_addLock)
        {
            if (!_entries.TryGetValue(key, out entry) || entry.ExpiresAt <= _time.GetUtcNow())
            {
                if (_entries.Count >= Capacity)
                {
                    RemoveExpired();
                }

                var userToken = user.UserToken;
                entry = new Entry(Task.Run(() => FetchAsync(userToken, user.Subject)), expiresAt);
                _entries[key] = entry;

                // A failed call is not cached, so the next request calls Backstage again.
                var added = entry;
                _ = added.Refs.ContinueWith(
                    _ => _entries.TryRemove(KeyValuePair.Create(key, added)),
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }

        return entry.Refs.WaitAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<string>> FetchAsync(string userToken, string subject)
    {
        if (_userInfoUrl is null)
        {
            throw new UserInfoUnavailableException(
                $"The groups of {subject} cannot be read: the token has no ent claim and {BackstageDiscovery.BaseUrlKey} is not configured.");
        }

        Interlocked.Increment(ref _calls);
        try
        {
            // NOTE: for a plugin calling on behalf of a user, this sends the limited user token from obo.
            // Whether Backstage's user info endpoint accepts limited tokens is not verified here.
            using var request = new HttpRequestMessage(HttpMethod.Get, _userInfoUrl);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", userToken);
            using var response = await _httpClientFactory.CreateClient(JwksKeySet.HttpClientName).SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                throw Unavailable(subject, $"HTTP {(int)response.StatusCode}");
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if (!document.RootElement.TryGetProperty("claims", out var claims)
                || !claims.TryGetProperty("ent", out var ent)
                || ent.ValueKind != JsonValueKind.Array
                || ent.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
            {
                throw Unavailable(subject, "the response has no claims.ent list");
            }

            return ent.EnumerateArray()
                .Select(item => EntityRefs.Normalize(item.GetString(), "group"))
                .OfType<string>()
                .ToArray();
        }
        catch (HttpRequestException ex)
        {
            throw Unavailable(subject, ex.Message);
        }
        catch (TaskCanceledException)
        {
            throw Unavailable(subject, "timed out");
        }
        catch (JsonException)
        {
            throw Unavailable(subject, "the response is not JSON");
        }
    }

    private UserInfoUnavailableException Unavailable(string subject, string failure)
    {
        Log.UserInfoFailed(_logger, _userInfoUrl!, subject, failure);

        return new UserInfoUnavailableException($"The groups of {subject} could not be read from Backstage ({failure}). Try again later; the service's log names the address.");
    }

    private void RemoveExpired()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(key, out _);
            }
        }

        // Still full of live tokens: start afresh rather than grow without bound.
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }
    }

    private sealed record Entry(Task<IReadOnlyList<string>> Refs, DateTimeOffset ExpiresAt);

    private static partial class Log
    {
        [LoggerMessage(EventId = 5020, Level = LogLevel.Warning, Message = "Reading the groups of {Subject} from {Url} failed: {Failure}")]
        public static partial void UserInfoFailed(ILogger logger, Uri url, string subject, string failure);
    }
}

/// <summary>Backstage did not return a user's groups, so the allow list cannot be checked.</summary>
internal sealed class UserInfoUnavailableException(string message) : Exception(message);
