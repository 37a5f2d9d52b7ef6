using System.Net;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Caching;

/// <summary>The stack list cache: one upstream call for many readers, shared and invalidated across replicas.</summary>
public sealed class StackListCachingTests
{
    private FakeSpaceliftServer _spacelift = null!;

    [SetUp]
    public async Task StartAsync() => _spacelift = await FakeSpaceliftServer.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _spacelift.DisposeAsync();

    [TestCase(false)]
    [TestCase(true)]
    public async Task List_100ConcurrentFirstRequests_OneUpstreamQuery(bool withRedis)
    {
        _spacelift.Faults.Latency = TimeSpan.FromMilliseconds(200);
        await using var proxy = ProxyFactory.For(_spacelift, withRedis ? TestEnvironment.Redis.ConnectionString : null);
        using var client = proxy.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => HttpJson.GetAsync(client, "/api/spacelift-io/stacks")));

        Assert.That(responses.Select(answer => answer.Response.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(responses.Select(answer => answer.Body.GetArrayLength()), Is.All.EqualTo(_spacelift.Data.StackCount));
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(1));
        Assert.That(_spacelift.Requests.TokensIssued, Is.EqualTo(1));
    }

    [Test]
    public async Task List_WithinLifetime_ServedFromCache()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Cache:StacksTtl"] = "00:01:00");
        using var client = proxy.CreateClient();

        for (var i = 0; i < 10; i++)
        {
            await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        }

        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(1));
    }

    [Test]
    public async Task List_AfterLifetime_AsksSpaceliftAgain()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Cache:StacksTtl"] = "00:00:01");
        using var client = proxy.CreateClient();

        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(2));
    }

    [Test]
    public async Task List_SecondReplica_ReadsFromRedis()
    {
        var redis = TestEnvironment.Redis.ConnectionString;
        await using var first = ProxyFactory.For(_spacelift, redis, LongLifetime);
        await using var second = ProxyFactory.For(_spacelift, redis, LongLifetime);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();

        await HttpJson.GetAsync(firstClient, "/api/spacelift-io/stacks");
        var (response, body) = await HttpJson.GetAsync(secondClient, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetArrayLength(), Is.EqualTo(_spacelift.Data.StackCount));
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(1));
    }

    [Test]
    public async Task Trigger_OnOneReplica_DropsListOnAnother()
    {
        var redis = TestEnvironment.Redis.ConnectionString;
        await using var first = ProxyFactory.For(_spacelift, redis, LongLifetime);
        await using var second = ProxyFactory.For(_spacelift, redis, LongLifetime);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        var stack = _spacelift.Data.Stacks.First(candidate => candidate.State != "PREPARING");
        await HttpJson.GetAsync(firstClient, "/api/spacelift-io/stacks");
        await HttpJson.GetAsync(secondClient, "/api/spacelift-io/stacks");

        var (trigger, _) = await HttpJson.PostEmptyAsync(firstClient, $"/api/spacelift-io/stacks/{stack.Id}/trigger");
        Assert.That(trigger.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // The second replica hears of the trigger through Redis; allow the message a moment.
        var state = "";
        for (var attempt = 0; attempt < 50 && state != "PREPARING"; attempt++)
        {
            var (_, body) = await HttpJson.GetAsync(secondClient, "/api/spacelift-io/stacks");
            state = body.EnumerateArray().Single(item => item.GetProperty("id").GetString() == stack.Id).GetProperty("state").GetString();
            await Task.Delay(20);
        }

        Assert.That(state, Is.EqualTo("PREPARING"));
    }

    [Test]
    public async Task List_TwoAccountsOneRedis_KeptApart()
    {
        await using var otherAccount = await FakeSpaceliftServer.StartAsync(new FakeSpaceliftOptions { Seed = 7, StackCount = 3 });
        var redis = TestEnvironment.Redis.ConnectionString;
        await using var first = ProxyFactory.For(_spacelift, redis, LongLifetime);
        await using var second = ProxyFactory.For(otherAccount, redis, LongLifetime);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();

        var (_, firstBody) = await HttpJson.GetAsync(firstClient, "/api/spacelift-io/stacks");
        var (_, secondBody) = await HttpJson.GetAsync(secondClient, "/api/spacelift-io/stacks");

        Assert.That(firstBody.GetArrayLength(), Is.EqualTo(_spacelift.Data.StackCount));
        Assert.That(secondBody.GetArrayLength(), Is.EqualTo(3));
        Assert.That(otherAccount.Requests.Count("ListStacks"), Is.EqualTo(1));
    }

    [Test]
    public async Task List_UnreachableRedis_StillServes()
    {
        await using var proxy = ProxyFactory.For(_spacelift, "127.0.0.1:1", settings => settings["Cache:StacksTtl"] = "00:00:00");
        using var client = proxy.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body.GetArrayLength(), Is.EqualTo(_spacelift.Data.StackCount));
        }
    }

    private static void LongLifetime(Dictionary<string, string?> settings) => settings["Cache:StacksTtl"] = "00:05:00";
}
