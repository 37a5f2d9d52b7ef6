using System.Buffers.Text;
using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Caching;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Diagnostics;

namespace SpaceliftProxy.Spacelift;

/// <summary>A Spacelift token and when this service stops using it.</summary>
/// <param name="Generation">Number of this token within the process, so a rejection drops only this token.</param>
/// <param name="IssuedHere">True when this process exchanged the API key for it (not read from Redis).</param>
internal sealed record SpaceliftToken(
    string Jwt,
    DateTimeOffset ValidUntil,
    DateTimeOffset RefreshAt,
    long Generation,
    DateTimeOffset ObtainedAt,
    bool IssuedHere);

/// <summary>
/// Owns the Spacelift token: the only place that knows the API key and secret and decides when a
/// token is fetched, shared, reused and dropped.
/// </summary>
/// <remarks>
/// A token is used until shortly before <c>validUntil</c> (60 s, or a quarter of its lifetime when
/// that is shorter). Replicas share it through Redis, encrypted by <see cref="TokenProtector"/>.
/// One refresh runs at a time per process; callers that arrive meanwhile wait for its result. A
/// rejected key is remembered for a few seconds, so polling browsers do not make every request
/// exchange the key again.
/// </remarks>
internal sealed partial class SpaceliftTokenSource : IDisposable
{
    /// <summary>Name of the HttpClient for the key exchange, which carries no token.</summary>
    public const string ExchangeClientName = "Spacelift.ApiKeyExchange";

    private static readonly TimeSpan MaxRefreshMargin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RejectedKeyBackoff = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan JustIssuedWindow = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LifetimeWhenUnknown = TimeSpan.FromMinutes(5);

    private readonly SpaceliftOptions _options;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly ILogger<SpaceliftTransport> _transportLogger;
    private readonly ProxyTelemetry _telemetry;
    private readonly IDistributedCache? _sharedCache;
    private readonly TokenProtector _protector;
    private readonly string _sharedKey;
    private readonly TimeProvider _time;
    private readonly ILogger<SpaceliftTokenSource> _logger;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);

    private SpaceliftToken? _current;
    private string? _rejectedJwt;
    private long _generation;
    private (DateTimeOffset At, string Reason)? _lastRejection;

    public SpaceliftTokenSource(
        IOptions<SpaceliftOptions> options,
        IHttpClientFactory httpClientFactory,
        CacheKeys cacheKeys,
        ProxyTelemetry telemetry,
        TimeProvider time,
        ILogger<SpaceliftTokenSource> logger,
        ILogger<SpaceliftTransport> transportLogger,
        IDistributedCache? sharedCache = null)
    {
        _options = options.Value;
        _httpClientFactory = httpClientFactory;
        _transportLogger = transportLogger;
        _telemetry = telemetry;
        _sharedCache = sharedCache;
        _protector = new TokenProtector(_options.ApiKey, _options.ApiSecret);
        _sharedKey = cacheKeys.Token;
        _time = time;
        _logger = logger;
    }

    /// <summary>Returns a token that is valid for a while yet, exchanging the API key when needed.</summary>
    public ValueTask<SpaceliftToken> GetTokenAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && _time.GetUtcNow() < current.RefreshAt)
        {
            return ValueTask.FromResult(current);
        }

        return new ValueTask<SpaceliftToken>(RefreshAsync(cancellationToken));
    }

    /// <summary>
    /// Drops the token of the given generation after Spacelift rejected it; a newer token that
    /// another request already obtained is kept.
    /// </summary>
    public void Invalidate(long generation)
    {
        var current = Volatile.Read(ref _current);
        if (current is null || current.Generation != generation)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _current, null, current) == current)
        {
            Volatile.Write(ref _rejectedJwt, current.Jwt);
            Log.TokenDropped(_logger, generation);
            _ = RemoveSharedAsync();
        }
    }

    /// <summary>
    /// True when this process exchanged the key for the token of this generation moments ago, so
    /// Spacelift has just accepted it.
    /// </summary>
    public bool WasJustIssued(long generation)
    {
        var current = Volatile.Read(ref _current);

        return current is not null
            && current.Generation == generation
            && current.IssuedHere
            && _time.GetUtcNow() - current.ObtainedAt < JustIssuedWindow;
    }

    public void Dispose() => _refreshLock.Dispose();

    private async Task<SpaceliftToken> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var current = Volatile.Read(ref _current);
            if (current is not null && now < current.RefreshAt)
            {
                return current;
            }

            if (_lastRejection is { } rejection && now - rejection.At < RejectedKeyBackoff)
            {
                throw RejectedKey(rejection.Reason);
            }

            var token = await ReadSharedAsync(cancellationToken) ?? await ExchangeAsync(cancellationToken);
            Volatile.Write(ref _current, token);

            return token;
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    private async Task<SpaceliftToken> ExchangeAsync(CancellationToken cancellationToken)
    {
        var transport = new SpaceliftTransport(_httpClientFactory.CreateClient(ExchangeClientName), _telemetry, _transportLogger);
        var variables = new ExchangeApiKeyVariables(_options.ApiKey, _options.ApiSecret);

        ApiKeyUser? user;
        try
        {
            var response = await transport.SendAsync<ExchangeApiKeyVariables, ExchangeApiKeyData>(
                SpaceliftOperations.ExchangeApiKey, variables, tokenGeneration: 0, cancellationToken);
            user = response.Data.ApiKeyUser;
        }
        catch (Exception ex) when (ex is SpaceliftUnauthorizedException or SpaceliftRequestFailedException or SpaceliftNotFoundException)
        {
            // Spacelift's clients treat any GraphQL error from the exchange as a bad key id or secret.
            throw Reject(ex.Message);
        }

        if (user?.Jwt is not { Length: > 0 } jwt)
        {
            // A null apiKeyUser without an error is how Spacelift responds to an unknown key id.
            throw Reject("no such API key");
        }

        var now = _time.GetUtcNow();
        var validUntil = user.ValidUntil is { } seconds
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : ReadExpiry(jwt) ?? now + LifetimeWhenUnknown;
        var token = new SpaceliftToken(jwt, validUntil, RefreshTime(now, validUntil), Interlocked.Increment(ref _generation), now, IssuedHere: true);
        _lastRejection = null;
        _telemetry.RecordTokenRefresh("exchanged");
        Log.TokenIssued(_logger, token.Generation, validUntil);

        await WriteSharedAsync(token, cancellationToken);

        return token;
    }

    private SpaceliftApiKeyRejectedException Reject(string reason)
    {
        _lastRejection = (_time.GetUtcNow(), reason);
        _telemetry.RecordTokenRefresh("rejected");
        Log.ApiKeyRejected(_logger, _options.ApiKey, reason);

        return RejectedKey(reason);
    }

    private static SpaceliftApiKeyRejectedException RejectedKey(string reason) =>
        new($"Spacelift rejected the configured API key ({reason}). Check the key id in Spacelift:ApiKey (SPACELIFT_API_KEY) and its secret in Spacelift:ApiSecret (SPACELIFT_API_SECRET).");

    private static DateTimeOffset RefreshTime(DateTimeOffset now, DateTimeOffset validUntil)
    {
        var lifetime = validUntil - now;
        if (lifetime <= TimeSpan.Zero)
        {
            // The clocks disagree; use the token briefly and let an unauthorized response renew it.
            return now + TimeSpan.FromSeconds(30);
        }

        var margin = lifetime / 4 < MaxRefreshMargin ? lifetime / 4 : MaxRefreshMargin;

        return validUntil - margin;
    }

    /// <summary>Reads the <c>exp</c> claim of a JWT without checking its signature, which only Spacelift can.</summary>
    private static DateTimeOffset? ReadExpiry(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var payload = Base64Url.DecodeFromChars(parts[1]);
            using var document = JsonDocument.Parse(payload);

            return document.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private async Task<SpaceliftToken?> ReadSharedAsync(CancellationToken cancellationToken)
    {
        if (_sharedCache is null)
        {
            return null;
        }

        var bytes = await _sharedCache.GetAsync(_sharedKey, cancellationToken);
        var plaintext = bytes is null ? null : _protector.Unprotect(bytes, _sharedKey);
        if (plaintext is null)
        {
            return null;
        }

        var shared = JsonSerializer.Deserialize<SharedToken>(plaintext);
        var now = _time.GetUtcNow();
        if (shared is null || shared.Jwt == Volatile.Read(ref _rejectedJwt) || now >= shared.RefreshAt)
        {
            return null;
        }

        var token = new SpaceliftToken(shared.Jwt, shared.ValidUntil, shared.RefreshAt, Interlocked.Increment(ref _generation), now, IssuedHere: false);
        _telemetry.RecordTokenRefresh("shared");
        Log.TokenReadFromCache(_logger, token.Generation, token.ValidUntil);

        return token;
    }

    private async Task WriteSharedAsync(SpaceliftToken token, CancellationToken cancellationToken)
    {
        if (_sharedCache is null)
        {
            return;
        }

        var plaintext = JsonSerializer.SerializeToUtf8Bytes(new SharedToken(token.Jwt, token.ValidUntil, token.RefreshAt));
        var entryOptions = new DistributedCacheEntryOptions { AbsoluteExpiration = token.RefreshAt };
        await _sharedCache.SetAsync(_sharedKey, _protector.Protect(plaintext, _sharedKey), entryOptions, cancellationToken);
    }

    private async Task RemoveSharedAsync()
    {
        if (_sharedCache is not null)
        {
            await _sharedCache.RemoveAsync(_sharedKey);
        }
    }

    private sealed record SharedToken(string Jwt, DateTimeOffset ValidUntil, DateTimeOffset RefreshAt);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Obtained Spacelift token {Generation}, valid until {ValidUntil:u}")]
        public static partial void TokenIssued(ILogger logger, long generation, DateTimeOffset validUntil);

        [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Read Spacelift token {Generation} from the shared cache, valid until {ValidUntil:u}")]
        public static partial void TokenReadFromCache(ILogger logger, long generation, DateTimeOffset validUntil);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Dropped Spacelift token {Generation} after Spacelift rejected it")]
        public static partial void TokenDropped(ILogger logger, long generation);

        [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Spacelift rejected API key {ApiKeyId}: {Reason}")]
        public static partial void ApiKeyRejected(ILogger logger, string apiKeyId, string reason);
    }
}
