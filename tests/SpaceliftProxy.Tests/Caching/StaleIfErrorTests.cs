using System.Net;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Caching;

/// <summary>The last good answer bridges a Spacelift outage for a limited window, marked stale.</summary>
public sealed class StaleIfErrorTests
{
    [TestCase(FakeFaultKind.ServerError)]
    [TestCase(FakeFaultKind.InvalidJson)]
    [TestCase(FakeFaultKind.RateLimited)]
    [TestCase(FakeFaultKind.GraphQLError)]
    [TestCase(FakeFaultKind.Hang)]
    public async Task List_SpaceliftFailsWithinWindow_ServesStale(FakeFaultKind fault)
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, configure: settings =>
        {
            settings["Cache:StacksTtl"] = "00:00:00.500";
            settings["Spacelift:Timeout"] = "00:00:01";
        });
        using var client = proxy.CreateClient();
        var (fresh, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        Assert.That(fresh.Headers.GetValues("Cache-Status").Single(), Is.EqualTo("spacelift-proxy; fwd=miss"));

        spacelift.Faults.Add(new FakeFault(fault, "ListStacks"));
        await Task.Delay(TimeSpan.FromSeconds(0.7));
        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetArrayLength(), Is.EqualTo(spacelift.Data.StackCount));
        Assert.That(response.Headers.GetValues("Cache-Status").Single(), Does.StartWith("spacelift-proxy; hit; ttl=-").And.EndWith("detail=stale-if-error"));
    }

    [Test]
    public async Task List_SpaceliftFailsPastWindow_ReturnsError()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, configure: settings =>
        {
            settings["Cache:StacksTtl"] = "00:00:00.200";
            settings["Cache:StaleIfErrorWindow"] = "00:00:01";
        });
        using var client = proxy.CreateClient();
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        spacelift.Faults.Add(new FakeFault(FakeFaultKind.ServerError, "ListStacks"));
        await Task.Delay(TimeSpan.FromSeconds(1.3));
        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("HTTP 500"));
    }

    [Test]
    public async Task List_RejectedApiKey_NotBridged()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync(new FakeSpaceliftOptions { TokenLifetime = TimeSpan.FromSeconds(2) });
        await using var proxy = ProxyFactory.For(spacelift, configure: settings => settings["Cache:StacksTtl"] = "00:00:00.200");
        using var client = proxy.CreateClient();
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        spacelift.Options.ApiKeySecret = "rotated-secret";
        spacelift.RevokeTokens();
        await Task.Delay(TimeSpan.FromSeconds(0.3));
        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("rejected the configured API key"));
    }

    [Test]
    public async Task List_WithinLifetime_MarkedHit()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift);
        using var client = proxy.CreateClient();

        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        var (response, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.Headers.GetValues("Cache-Status").Single(), Is.EqualTo("spacelift-proxy; hit"));
    }

    [Test]
    public async Task List_SpaceliftSlow_StaleServedWithoutWaitingForTimeout()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, configure: settings =>
        {
            settings["Cache:StacksTtl"] = "00:00:00.300";
            settings["Cache:ServeStaleAfter"] = "00:00:00.500";
            settings["Spacelift:Timeout"] = "00:00:20";
            settings["Spacelift:Resilience:AttemptTimeout"] = "00:00:20";
        });
        using var client = proxy.CreateClient();
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        spacelift.Faults.Latency = TimeSpan.FromSeconds(3);
        await Task.Delay(TimeSpan.FromSeconds(0.4));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        var waited = stopwatch.Elapsed;

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetArrayLength(), Is.EqualTo(spacelift.Data.StackCount));
        Assert.That(response.Headers.GetValues("Cache-Status").Single(), Does.EndWith("detail=stale-while-revalidate"));
        Assert.That(waited, Is.LessThan(TimeSpan.FromSeconds(2)), "the request waits Cache:ServeStaleAfter, not the slow refresh");

        // The refresh carried on and filled the cache.
        spacelift.Faults.Latency = TimeSpan.Zero;
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (refreshed, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        Assert.That(refreshed.Headers.GetValues("Cache-Status").Single(), Is.Not.Contain("stale"));
        Assert.That(spacelift.Requests.Count("ListStacks"), Is.LessThanOrEqualTo(3));
    }

    [Test]
    public async Task List_SlowAfterTrigger_ShowsNewStateNotStaleCopy()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, configure: settings =>
        {
            settings["Cache:StacksTtl"] = "00:00:30";
            settings["Cache:ServeStaleAfter"] = "00:00:00.300";
        });
        using var client = proxy.CreateClient();
        var stack = spacelift.Data.Stacks.First(candidate => candidate.State != "PREPARING");
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        spacelift.Faults.Latency = TimeSpan.FromSeconds(1);
        var (trigger, _) = await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{stack.Id}/trigger");
        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(trigger.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("Cache-Status").Single(), Is.EqualTo("spacelift-proxy; fwd=miss"), "no copy from before the trigger");
        var state = body.EnumerateArray().Single(item => item.GetProperty("id").GetString() == stack.Id).GetProperty("state").GetString();
        Assert.That(state, Is.EqualTo("PREPARING"));
    }
}
