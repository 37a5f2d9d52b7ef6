using System.Net.Sockets;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Configuration;
using StackExchange.Redis;

namespace SpaceliftProxy.Caching;

/// <summary>
/// Wraps the Redis cache so that Redis can only make the service slower by at most
/// <see cref="CacheOptions.RedisTimeout"/>, never fail a request: a failed or slow call reads as a
/// cache miss or a skipped write, and after a failure Redis is left alone for
/// <see cref="CacheOptions.RedisRetryInterval"/> so that each request does not wait for the timeout.
/// Failures are logged once, then at most every 30 seconds with the number left unlogged.
/// </summary>
internal sealed partial class FailSafeDistributedCache(
    IDistributedCache inner,
    IOptions<CacheOptions> options,
    TimeProvider time,
    ILogger<FailSafeDistributedCache> logger) : IDistributedCache
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(30);

    private readonly TimeSpan _timeout = options.Value.RedisTimeout;
    private readonly TimeSpan _retryInterval = options.Value.RedisRetryInterval;
    private readonly Lock _logLock = new();
    private long _pausedUntilTicks;
    private DateTimeOffset _lastLoggedAt = DateTimeOffset.MinValue;
    private int _unloggedFailures;
    private bool _failing;

    /// <summary>True while Redis calls are being skipped after a failure.</summary>
    public bool IsPaused => time.GetUtcNow().UtcTicks < Interlocked.Read(ref _pausedUntilTicks);

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        GuardAsync(cancellation => inner.GetAsync(key, cancellation), "read", token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        GuardAsync(async cancellation => { await inner.SetAsync(key, value, options, cancellation); return true; }, "write", token);

    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    public Task RefreshAsync(string key, CancellationToken token = default) =>
        GuardAsync(async cancellation => { await inner.RefreshAsync(key, cancellation); return true; }, "refresh", token);

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        GuardAsync(async cancellation => { await inner.RemoveAsync(key, cancellation); return true; }, "remove", token);

    private async Task<T?> GuardAsync<T>(Func<CancellationToken, Task<T>> call, string operation, CancellationToken cancellationToken)
    {
        if (IsPaused)
        {
            return default;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            // WaitAsync bounds the wait even if the client does not honour the cancellation token.
            var result = await call(timeout.Token).WaitAsync(_timeout, time, cancellationToken);
            RecordSuccess();

            return result;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException or SocketException or IOException)
        {
            RecordFailure(operation, ex);

            return default;
        }
    }

    private void RecordSuccess()
    {
        if (!Volatile.Read(ref _failing))
        {
            return;
        }

        lock (_logLock)
        {
            if (_failing)
            {
                _failing = false;
                Log.Recovered(logger, _unloggedFailures);
                _unloggedFailures = 0;
                _lastLoggedAt = DateTimeOffset.MinValue;
            }
        }
    }

    private void RecordFailure(string operation, Exception exception)
    {
        var now = time.GetUtcNow();
        Interlocked.Exchange(ref _pausedUntilTicks, (now + _retryInterval).UtcTicks);

        lock (_logLock)
        {
            _failing = true;
            if (now - _lastLoggedAt < LogInterval)
            {
                _unloggedFailures++;
                return;
            }

            Log.CallFailed(logger, exception, operation, _unloggedFailures, _retryInterval);
            _unloggedFailures = 0;
            _lastLoggedAt = now;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2000, Level = LogLevel.Warning, Message = "Redis {Operation} failed; carrying on without Redis and trying it again in {RetryInterval} ({Unlogged} earlier failures not logged)")]
        public static partial void CallFailed(ILogger logger, Exception exception, string operation, int unlogged, TimeSpan retryInterval);

        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Redis calls succeed again ({Unlogged} failures not logged since the last message)")]
        public static partial void Recovered(ILogger logger, int unlogged);
    }
}
