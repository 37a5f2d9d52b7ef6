using Microsoft.Extensions.Caching.Hybrid;
using StackExchange.Redis;

namespace SpaceliftProxy.Caching;

/// <summary>
/// Removes what a write to Spacelift made stale: from this process's cache and Redis directly, and
/// from the memory of every other replica through a Redis channel.
/// </summary>
/// <remarks>
/// Replicas that miss a message while Redis is down fall back on the entries' short lifetimes.
/// </remarks>
internal sealed partial class CacheInvalidation(
    HybridCache cache,
    CacheKeys keys,
    ILogger<CacheInvalidation> logger,
    RedisConnection? redis = null) : BackgroundService
{
    private static readonly TimeSpan SubscribeRetryInterval = TimeSpan.FromSeconds(5);

    // Lets a replica skip its own messages, which it has already applied.
    private readonly string _instanceId = Guid.NewGuid().ToString("N");

    /// <summary>Drops the stack list and everything cached about one stack, on every replica.</summary>
    public async Task StackChangedAsync(string stackId, CancellationToken cancellationToken)
    {
        await RemoveLocalAsync(stackId, cancellationToken);
        await PublishAsync(stackId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (redis is null)
        {
            return;
        }

        var channel = RedisChannel.Literal(keys.InvalidationChannel);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var multiplexer = await redis.GetAsync();
                await multiplexer.GetSubscriber().SubscribeAsync(channel, (_, message) => OnMessage(message));
                Log.Subscribed(logger, keys.InvalidationChannel);

                // The multiplexer restores the subscription after reconnecting by itself.
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Log.SubscribeFailed(logger, ex.Message, SubscribeRetryInterval);
                await Task.Delay(SubscribeRetryInterval, stoppingToken);
            }
        }
    }

    private async Task RemoveLocalAsync(string stackId, CancellationToken cancellationToken)
    {
        await cache.RemoveAsync(keys.Stacks, cancellationToken);
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
            var multiplexer = await redis.GetAsync();
            await multiplexer.GetSubscriber().PublishAsync(RedisChannel.Literal(keys.InvalidationChannel), $"{_instanceId} {stackId}");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
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
        [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Listening for cache invalidations on Redis channel {Channel}")]
        public static partial void Subscribed(ILogger logger, string channel);

        [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Could not subscribe to cache invalidations ({Reason}); trying again in {RetryInterval}")]
        public static partial void SubscribeFailed(ILogger logger, string reason, TimeSpan retryInterval);

        [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Could not share the invalidation of stack {StackId} with other replicas: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string stackId, string reason);

        [LoggerMessage(EventId = 2203, Level = LogLevel.Debug, Message = "Dropped cached entries of stack {StackId} after a write on another replica")]
        public static partial void AppliedRemoteInvalidation(ILogger logger, string stackId);
    }
}
