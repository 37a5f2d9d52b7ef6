using System.Diagnostics;
using System.Net;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Caching;

/// <summary>Redis stopping and starting again under load must cost no request.</summary>
[NonParallelizable]
public sealed class RedisOutageTests
{
    [Test]
    public async Task List_RedisStoppedDuringRun_EveryRequestSucceeds()
    {
        await using var redis = await RedisTestServer.StartAsync(allowShared: false);
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, redis.ConnectionString, settings => settings["Cache:StacksTtl"] = "00:00:00.200");
        using var client = proxy.CreateClient();

        var failures = new List<string>();
        var succeeded = 0;
        var slowest = TimeSpan.Zero;
        async Task RunRequestsAsync(TimeSpan duration)
        {
            var end = DateTime.UtcNow + duration;
            while (DateTime.UtcNow < end)
            {
                var stopwatch = Stopwatch.StartNew();
                var (response, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
                slowest = stopwatch.Elapsed > slowest ? stopwatch.Elapsed : slowest;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    succeeded++;
                }
                else
                {
                    failures.Add(response.StatusCode.ToString());
                }

                await Task.Delay(10);
            }
        }

        await RunRequestsAsync(TimeSpan.FromSeconds(1));
        await redis.StopAsync();
        await RunRequestsAsync(TimeSpan.FromSeconds(2));
        await redis.RestartAsync();
        await RunRequestsAsync(TimeSpan.FromSeconds(2));

        TestContext.Out.WriteLine($"{succeeded} requests succeeded, {failures.Count} failed, slowest {slowest.TotalMilliseconds:F0} ms");
        Assert.That(failures, Is.Empty);
        Assert.That(succeeded, Is.GreaterThan(50));
        Assert.That(slowest, Is.LessThan(TimeSpan.FromSeconds(2)), "Redis calls are bounded by Cache:RedisTimeout");
    }

    [Test]
    public async Task Replicas_RedisRestarted_ShareAgain()
    {
        await using var redis = await RedisTestServer.StartAsync(allowShared: false);
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        static void Settings(Dictionary<string, string?> settings)
        {
            settings["Cache:StacksTtl"] = "00:05:00";
            settings["Cache:RedisRetryInterval"] = "00:00:00.200";
        }

        await using var first = ProxyFactory.For(spacelift, redis.ConnectionString, Settings);
        await using var second = ProxyFactory.For(spacelift, redis.ConnectionString, Settings);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        await HttpJson.GetAsync(firstClient, "/.backstage/health/v1/readiness");
        await HttpJson.GetAsync(secondClient, "/.backstage/health/v1/readiness");

        await redis.StopAsync();
        await redis.RestartAsync();

        // The multiplexers reconnect by themselves; readiness reports Redis once they have.
        await WaitForRedisAsync(firstClient);
        await WaitForRedisAsync(secondClient);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        var (firstList, _) = await HttpJson.GetAsync(firstClient, "/api/spacelift-io/stacks");
        var (secondList, _) = await HttpJson.GetAsync(secondClient, "/api/spacelift-io/stacks");

        Assert.That(firstList.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(secondList.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(spacelift.Requests.Count("ListStacks"), Is.EqualTo(1), "the second replica read the list from Redis");
        Assert.That(spacelift.Requests.TokensIssued, Is.EqualTo(1), "and the token too");
    }

    [Test]
    public async Task List_RedisStalls_RequestsWaitAtMostTheRedisTimeout()
    {
        await using var redis = await RedisTestServer.StartAsync(allowShared: false);
        if (!redis.CanSleep)
        {
            Assert.Ignore("Making Redis slow needs a redis-server started by the tests.");
        }

        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, redis.ConnectionString, settings =>
        {
            settings["Cache:StacksTtl"] = "00:00:00.100";
            settings["Cache:RedisTimeout"] = "00:00:00.300";
            settings["Cache:RedisRetryInterval"] = "00:00:01";
        });
        using var client = proxy.CreateClient();
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        // DEBUG SLEEP blocks the whole server, as a Redis stuck on a slow disk or a long command would.
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",syncTimeout=10000,asyncTimeout=10000");
        var stall = admin.GetDatabase().ExecuteAsync("DEBUG", "SLEEP", "3");
        await Task.Delay(TimeSpan.FromMilliseconds(100));

        var slowest = TimeSpan.Zero;
        var statuses = new List<HttpStatusCode>();
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(2.5);
        while (DateTime.UtcNow < end)
        {
            var stopwatch = Stopwatch.StartNew();
            var (response, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
            slowest = stopwatch.Elapsed > slowest ? stopwatch.Elapsed : slowest;
            statuses.Add(response.StatusCode);
            await Task.Delay(50);
        }

        await stall.WaitAsync(TimeSpan.FromSeconds(10));
        TestContext.Out.WriteLine($"{statuses.Count} requests during a 3 s Redis stall, slowest {slowest.TotalMilliseconds:F0} ms");
        Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(statuses, Has.Count.GreaterThan(10));
        Assert.That(slowest, Is.LessThan(TimeSpan.FromSeconds(1.5)), "a stalled Redis costs at most Cache:RedisTimeout per call, then is skipped");
    }

    [Test]
    public async Task Trigger_RedisFrozen_SucceedsOnce()
    {
        await using var redis = await RedisTestServer.StartAsync(allowShared: false);
        if (!redis.CanSleep)
        {
            Assert.Ignore("Freezing Redis needs a redis-server started by the tests.");
        }

        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, redis.ConnectionString, settings => settings["Cache:StacksTtl"] = "00:00:00.100");
        using var client = proxy.CreateClient();
        var stackId = spacelift.Data.Stacks[0].Id;

        // A long freeze leaves the Redis connection half broken; a trigger after it must still succeed.
        redis.Freeze();
        for (var end = DateTime.UtcNow + TimeSpan.FromSeconds(13); DateTime.UtcNow < end;)
        {
            await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
            await Task.Delay(100);
        }

        redis.Thaw();
        await Task.Delay(TimeSpan.FromSeconds(6));
        redis.Freeze();
        var statuses = new List<HttpStatusCode>();
        var slowest = TimeSpan.Zero;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var stopwatch = Stopwatch.StartNew();
                var (response, _) = await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{stackId}/trigger");
                slowest = stopwatch.Elapsed > slowest ? stopwatch.Elapsed : slowest;
                statuses.Add(response.StatusCode);
            }
        }
        finally
        {
            redis.Thaw();
        }

        TestContext.Out.WriteLine($"triggers with Redis frozen: {string.Join(", ", statuses)}, slowest {slowest.TotalMilliseconds:F0} ms");
        Assert.That(statuses, Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(spacelift.Requests.Count("TriggerRun"), Is.EqualTo(3));
        Assert.That(slowest, Is.LessThan(TimeSpan.FromSeconds(2)), "the cache clean-up after a trigger is bounded by Cache:RedisTimeout");
    }

    private static async Task WaitForRedisAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var (_, body) = await HttpJson.GetAsync(client, "/.backstage/health/v1/readiness");
            if (body.TryGetProperty("redis", out var state) && state.GetString() == "ok")
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("Redis did not come back within 20 seconds.");
    }
}
