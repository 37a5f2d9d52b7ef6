using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Configuration;
using StackExchange.Redis;

namespace SpaceliftProxy.Caching;

/// <summary>
/// Removes what a write to Spacelift made stale: from this process's cache and Redis directly, and
/// from the memory of every other replica through a Redis channel.
/// </summary>
/// <remarks>
/// Replicas that miss a message while Redis is down fall back on the entries' short lifetimes.
/// NOTE: a fetch that started before the write can store its older result after the removal. That
/// result then lives for the entry's lifetime (seconds), because HybridCache offers no way to
/// discard a factory's result.
/// </remarks>
internal sealed partial class CacheInvalidation(
    HybridCache cache,
    CacheKeys keys,
    IOptions<CacheOptions> options,
    ILogger<CacheInvalidation> logger,
    RedisConnection? redis = null) : BackgroundService
{
    private static readonly TimeSpan SubscribeRetryInterval = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _redisTimeout = options.Value.RedisTimeout;

    // Lets a replica skip its own messages, which it has already applied.
    private readonly string _instanceId = Guid.NewGuid().ToString("N");

    /// <summary>
    /// Drops the stack list and everything cached about one stack, on every replica. It never
    /// throws: the write it follows has happened, so a cache problem must not turn it into an
    /// error that invites the caller to act twice.
    /// </summary>
    public async Task StackChangedAsync(string stackId, CancellationToken cancellationToken)
    {
        try
        {
            await RemoveLocalAsync(stackId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.RemoveFailed(logger, ex, stackId);
        }

        await PublishAsync(stackId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (redis is null)
        {
            return;
        }

        var channel = RedisChannel.Literal(keys.InvalidationChannel);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var multiplexer = await redis.GetAsync();
                await multiplexer.GetSubscriber().SubscribeAsync(channel, (_, message) => OnMessage(message));
                Log.Subscribed(logger, keys.InvalidationChannel, failures);

                // The multiplexer restores the subscription after reconnecting by itself.
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The first failure is a warning; the retries every few seconds are not news.
                if (failures++ == 0)
                {
                    Log.SubscribeFailed(logger, ex.Message, SubscribeRetryInterval);
                }
                else
                {
                    Log.SubscribeStillFailing(logger, ex.Message);
                }

                await Task.Delay(SubscribeRetryInterval, stoppingToken);
            }
        }
    }

    private async Task RemoveLocalAsync(string stackId, CancellationToken cancellationToken)
    {
        // The last good copies go too: after a write, a copy from before it must not come back as "stale".
        await cache.RemoveAsync([keys.Stacks, ResponseCache.LastGoodKey(keys.Stacks)], cancellationToken);
        await cache.RemoveByTagAsync(keys.StackTag(stackId), cancellationToken);
    }

    private async Task PublishAsync(string stackId)
    {
        if (redis is null)
        {
            return;
        }

        try
        {
            // WaitAsync bounds the wait even when Redis accepts the connection but does not respond.
            var multiplexer = await redis.GetAsync().WaitAsync(_redisTimeout);
            await multiplexer.GetSubscriber()
                .PublishAsync(RedisChannel.Literal(keys.InvalidationChannel), $"{_instanceId} {stackId}")
                .WaitAsync(_redisTimeout);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // Other replicas then keep stale entries until they expire, which is seconds.
            Log.PublishFailed(logger, stackId, ex.Message);
        }
    }

    // Runs on the multiplexer's thread, so the work moves to the thread pool at once.
    private void OnMessage(RedisValue message) => _ = ApplyMessageAsync(message);

    private async Task ApplyMessageAsync(RedisValue message)
    {
        var text = message.ToString();
        var separator = text.IndexOf(' ', StringComparison.Ordinal);
        if (separator <= 0 || text.AsSpan(0, separator).SequenceEqual(_instanceId))
        {
            return;
        }

        var stackId = text[(separator + 1)..];
        try
        {
            await RemoveLocalAsync(stackId, CancellationToken.None);
            Log.AppliedRemoteInvalidation(logger, stackId);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
        {
            Log.PublishFailed(logger, stackId, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Listening for cache invalidations on Redis channel {Channel} after {Failures} failed attempts")]
        public static partial void Subscribed(ILogger logger, string channel, int failures);

        [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Could not subscribe to cache invalidations ({Reason}); trying again in {RetryInterval}")]
        public static partial void SubscribeFailed(ILogger logger, string reason, TimeSpan retryInterval);

        [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Could not share the invalidation of stack {StackId} with other replicas: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string stackId, string reason);

        [LoggerMessage(EventId = 2204, Level = LogLevel.Debug, Message = "Still cannot subscribe to cache invalidations: {Reason}")]
        public static partial void SubscribeStillFailing(ILogger logger, string reason);

        [LoggerMessage(EventId = 2205, Level = LogLevel.Warning, Message = "Could not drop the cached entries of stack {StackId}; they expire by themselves")]
        public static partial void RemoveFailed(ILogger logger, Exception exception, string stackId);

        [LoggerMessage(EventId = 2203, Level = LogLevel.Debug, Message = "Dropped cached entries of stack {StackId} after a write on another replica")]
        public static partial void AppliedRemoteInvalidation(ILogger logger, string stackId);
    }
}
