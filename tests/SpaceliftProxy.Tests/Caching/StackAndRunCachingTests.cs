using System.Net;
using System.Text.Json;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Caching;

/// <summary>
/// Stack details and run pages: one upstream call for many readers, shared through Redis, and
/// dropped on every replica after a trigger, confirm or discard.
/// </summary>
public sealed class StackAndRunCachingTests
{
    private const string StackId = "network-prod";
    private const string Waiting = "01JHWAITING000000000000001";
    private const string DetailsPath = "/api/spacelift-io/stacks/" + StackId;
    private const string RunsPath = "/api/spacelift-io/stacks/" + StackId + "/runs?limit=5";

    private FakeSpaceliftServer _spacelift = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync(new FakeSpaceliftOptions { RunsPageSize = 3 }).WaitAsync(HttpJson.Timeout);
        TestStacks.AddWithRuns(_spacelift, StackId, trackedRuns: 8);
        _spacelift.Data.AddRun(StackId, new FakeRun
        {
            Id = Waiting,
            State = "UNCONFIRMED",
            Type = "TRACKED",
            CreatedAt = TestStacks.NewestRunAt.AddHours(1).ToUnixTimeSeconds(),
        });
        _spacelift.Data.UpdateStack(StackId, stack =>
        {
            stack.State = "UNCONFIRMED";
            stack.BlockerRunId = Waiting;
        });
    }

    [TearDown]
    public async Task StopAsync() => await _spacelift.DisposeAsync();

    [TestCase(false)]
    [TestCase(true)]
    public async Task Details_50ConcurrentFirstRequests_OneUpstreamCall(bool withRedis)
    {
        _spacelift.Faults.Latency = TimeSpan.FromMilliseconds(200);
        await using var proxy = ProxyFactory.For(_spacelift, withRedis ? TestEnvironment.Redis.ConnectionString : null);
        using var client = proxy.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => HttpJson.GetAsync(client, DetailsPath)));

        Assert.That(responses.Select(answer => answer.Response.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(responses.Select(answer => answer.Body.GetProperty("id").GetString()), Is.All.EqualTo(StackId));
        Assert.That(_spacelift.Requests.Count("GetStack"), Is.EqualTo(1));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Runs_50ConcurrentFirstRequests_OneSeriesOfCalls(bool withRedis)
    {
        _spacelift.Faults.Latency = TimeSpan.FromMilliseconds(100);
        await using var proxy = ProxyFactory.For(_spacelift, withRedis ? TestEnvironment.Redis.ConnectionString : null);
        using var client = proxy.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => HttpJson.GetAsync(client, RunsPath)));

        Assert.That(responses.Select(answer => answer.Response.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(responses.Select(answer => answer.Body.GetProperty("runs").GetArrayLength()), Is.All.EqualTo(5));
        Assert.That(_spacelift.Requests.Count("ListRuns"), Is.EqualTo(2), "two pages of 3 for 5 runs, once");
    }

    [Test]
    public async Task Runs_WithinLifetime_MarkedHit()
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (first, _) = await HttpJson.GetAsync(client, RunsPath);
        var (second, _) = await HttpJson.GetAsync(client, RunsPath);

        Assert.That(first.Headers.GetValues("Cache-Status").Single(), Is.EqualTo("spacelift-proxy; fwd=miss"));
        Assert.That(second.Headers.GetValues("Cache-Status").Single(), Is.EqualTo("spacelift-proxy; hit"));
    }

    [Test]
    public async Task Runs_OtherLimitOrCursor_CachedApart()
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (_, five) = await HttpJson.GetAsync(client, RunsPath);
        var (_, two) = await HttpJson.GetAsync(client, RunsPath.Replace("limit=5", "limit=2", StringComparison.Ordinal));
        var (_, older) = await HttpJson.GetAsync(client, RunsPath + "&before=" + TestStacks.TrackedRunId(0));

        Assert.That(five.GetProperty("runs").GetArrayLength(), Is.EqualTo(5));
        Assert.That(two.GetProperty("runs").GetArrayLength(), Is.EqualTo(2));
        Assert.That(older.GetProperty("runs")[0].GetProperty("id").GetString(), Is.EqualTo(TestStacks.TrackedRunId(1)));
    }

    [Test]
    public async Task Details_AfterLifetime_AsksSpaceliftAgain()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Cache:StackTtl"] = "00:00:00.500");
        using var client = proxy.CreateClient();

        await HttpJson.GetAsync(client, DetailsPath);
        await Task.Delay(TimeSpan.FromSeconds(0.8));
        await HttpJson.GetAsync(client, DetailsPath);

        Assert.That(_spacelift.Requests.Count("GetStack"), Is.EqualTo(2));
    }

    [Test]
    public async Task Details_ZeroLifetime_NotCached()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Cache:StackTtl"] = "00:00:00");
        using var client = proxy.CreateClient();

        await HttpJson.GetAsync(client, DetailsPath);
        await HttpJson.GetAsync(client, DetailsPath);

        Assert.That(_spacelift.Requests.Count("GetStack"), Is.EqualTo(2));
    }

    [Test]
    public async Task DetailsAndRuns_SecondReplica_ReadFromRedis()
    {
        var redis = TestEnvironment.Redis.ConnectionString;
        await using var first = ProxyFactory.For(_spacelift, redis, LongLifetimes);
        await using var second = ProxyFactory.For(_spacelift, redis, LongLifetimes);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        await HttpJson.GetAsync(firstClient, DetailsPath);
        await HttpJson.GetAsync(firstClient, RunsPath);

        var (details, _) = await HttpJson.GetAsync(secondClient, DetailsPath);
        var (runs, _) = await HttpJson.GetAsync(secondClient, RunsPath);

        Assert.That(details.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(runs.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_spacelift.Requests.Count("GetStack"), Is.EqualTo(1));
        Assert.That(_spacelift.Requests.Count("ListRuns"), Is.EqualTo(2));
    }

    [TestCase("runs/" + Waiting + "/confirm", "CONFIRMED")]
    [TestCase("runs/" + Waiting + "/discard", "DISCARDED")]
    [TestCase("trigger", "PREPARING")]
    public async Task Write_OnOneReplica_DropsCacheOnAnother(string action, string expectedStackState)
    {
        var redis = TestEnvironment.Redis.ConnectionString;
        await using var first = ProxyFactory.For(_spacelift, redis, LongLifetimes);
        await using var second = ProxyFactory.For(_spacelift, redis, LongLifetimes);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        var (_, runsBefore) = await HttpJson.GetAsync(secondClient, RunsPath);
        var (_, stackBefore) = await HttpJson.GetAsync(secondClient, DetailsPath);
        var (_, listBefore) = await HttpJson.GetAsync(secondClient, "/api/spacelift-io/stacks");
        Assert.That(stackBefore.GetProperty("state").GetString(), Is.EqualTo("UNCONFIRMED"));

        var (write, _) = await HttpJson.PostEmptyAsync(firstClient, $"/api/spacelift-io/stacks/{StackId}/{action}");
        Assert.That(write.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // The second replica hears of the write through Redis; allow the message a moment.
        var stackState = await EventuallyAsync(secondClient, DetailsPath, body => body.GetProperty("state").GetString(), expectedStackState);
        var newestRun = await EventuallyAsync(
            secondClient, RunsPath, body => body.GetProperty("runs")[0].GetProperty("id").GetString(), _spacelift.Data.GetRuns(StackId).First(run => run.Type == "TRACKED").Id);
        var listState = await EventuallyAsync(
            secondClient, "/api/spacelift-io/stacks", body => body.EnumerateArray().Single(stack => stack.GetProperty("id").GetString() == StackId).GetProperty("state").GetString(), expectedStackState);

        Assert.That(stackState, Is.EqualTo(expectedStackState));
        Assert.That(listState, Is.EqualTo(expectedStackState));
        Assert.That(newestRun, Is.EqualTo(_spacelift.Data.GetRuns(StackId).First(run => run.Type == "TRACKED").Id));
        Assert.That(runsBefore.GetProperty("runs").GetArrayLength(), Is.EqualTo(5));
        Assert.That(listBefore.GetArrayLength(), Is.EqualTo(_spacelift.Data.StackCount));
    }

    [Test]
    public async Task Confirm_OnOneReplica_UpdatesRunsOnAnother()
    {
        var redis = TestEnvironment.Redis.ConnectionString;
        await using var first = ProxyFactory.For(_spacelift, redis, LongLifetimes);
        await using var second = ProxyFactory.For(_spacelift, redis, LongLifetimes);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();
        var (_, before) = await HttpJson.GetAsync(secondClient, RunsPath);
        Assert.That(before.GetProperty("runs")[0].GetProperty("state").GetString(), Is.EqualTo("UNCONFIRMED"));

        await HttpJson.PostEmptyAsync(firstClient, $"/api/spacelift-io/stacks/{StackId}/runs/{Waiting}/confirm");

        var state = await EventuallyAsync(secondClient, RunsPath, body => body.GetProperty("runs")[0].GetProperty("state").GetString(), "CONFIRMED");
        Assert.That(state, Is.EqualTo("CONFIRMED"));
    }

    /// <summary>Reads a value from the path until it equals the expected one, for up to about a second.</summary>
    private static async Task<string?> EventuallyAsync(HttpClient client, string path, Func<JsonElement, string?> read, string? expected)
    {
        string? value = null;
        for (var attempt = 0; attempt < 50 && value != expected; attempt++)
        {
            var (_, body) = await HttpJson.GetAsync(client, path);
            value = read(body);
            if (value != expected)
            {
                await Task.Delay(20);
            }
        }

        return value;
    }

    private static void LongLifetimes(Dictionary<string, string?> settings)
    {
        settings["Cache:StacksTtl"] = "00:05:00";
        settings["Cache:StackTtl"] = "00:05:00";
        settings["Cache:RunsTtl"] = "00:05:00";
    }
}
