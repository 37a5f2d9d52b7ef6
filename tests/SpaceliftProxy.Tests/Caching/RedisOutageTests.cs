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
}
