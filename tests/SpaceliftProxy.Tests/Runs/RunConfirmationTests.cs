using System.Net;
using System.Text.Json;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Runs;

/// <summary>Confirming and discarding a run that waits for confirmation, and every way it can fail.</summary>
public sealed class RunConfirmationTests
{
    private const string StackId = "network-prod";
    private const string Waiting = "01JHWAITING000000000000001";

    private FakeSpaceliftServer _spacelift = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync().WaitAsync(HttpJson.Timeout);
        TestStacks.AddWithRuns(_spacelift, StackId, trackedRuns: 3);
        _spacelift.Data.AddRun(StackId, new FakeRun
        {
            Id = Waiting,
            State = "UNCONFIRMED",
            Type = "TRACKED",
            CreatedAt = TestStacks.NewestRunAt.AddHours(1).ToUnixTimeSeconds(),
            Delta = new FakeDelta { AddCount = 2, ChangeCount = 0, DeleteCount = 1 },
            Finished = false,
        });
        _spacelift.Data.UpdateStack(StackId, stack =>
        {
            stack.State = "UNCONFIRMED";
            stack.BlockerRunId = Waiting;
        });
    }

    [TearDown]
    public async Task StopAsync() => await _spacelift.DisposeAsync();

    [TestCase("/api/spacelift-io", "confirm", "CONFIRMED")]
    [TestCase("/api/spacelift", "confirm", "CONFIRMED")]
    [TestCase("/api/spacelift-io", "discard", "DISCARDED")]
    [TestCase("/api/spacelift", "discard", "DISCARDED")]
    public async Task Decision_UnconfirmedRun_ReturnsRunAfterwards(string basePath, string action, string expectedState)
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, $"{basePath}/stacks/{StackId}/runs/{Waiting}/{action}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("id").GetString(), Is.EqualTo(Waiting));
        Assert.That(body.GetProperty("state").GetString(), Is.EqualTo(expectedState));
        Assert.That(body.GetProperty("type").GetString(), Is.EqualTo("TRACKED"));
        Assert.That(body.GetProperty("delta").GetProperty("addCount").GetInt32(), Is.EqualTo(2));
        Assert.That(body.GetProperty("url").GetString(), Is.EqualTo($"{_spacelift.BaseAddress}stack/{StackId}/run/{Waiting}"));
        Assert.That(_spacelift.Data.GetRun(StackId, Waiting)!.State, Is.EqualTo(expectedState));
    }

    [TestCase("confirm", "ConfirmRun", "confirmed")]
    [TestCase("discard", "DiscardRun", "discarded")]
    public async Task Decision_FinishedRun_Answers409WithoutMutation(string action, string operation, string verb)
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{StackId}/runs/{TestStacks.TrackedRunId(0)}/{action}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(HttpJson.Error(body), Does.Contain(TestStacks.TrackedRunId(0)).And.Contain("FINISHED").And.Contain("UNCONFIRMED").And.Contain(verb));
        Assert.That(_spacelift.Requests.Count(operation), Is.Zero);
    }

    [TestCase("confirm", "ConfirmRun")]
    [TestCase("discard", "DiscardRun")]
    public async Task Decision_RunDecidedMeanwhile_Answers409(string action, string operation)
    {
        // Someone else confirms the run in Spacelift between the service's read and its mutation.
        _spacelift.Faults.BeforeOperation = name =>
        {
            if (name == operation)
            {
                _spacelift.Data.UpdateRun(StackId, Waiting, run => run.State = "CONFIRMED");
            }
        };
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{StackId}/runs/{Waiting}/{action}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(HttpJson.Error(body), Does.Contain("CONFIRMED"));
        Assert.That(_spacelift.Requests.Count(operation), Is.EqualTo(1));
        Assert.That(_spacelift.Requests.Count("GetRun"), Is.EqualTo(2), "read before the mutation and again after it failed");
    }

    [Test]
    public async Task Decision_UnknownErrorTextAfterStateChange_Answers409()
    {
        // Spacelift's wording for this case is not documented: any error text must lead to 409 once the run moved on.
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.GraphQLError, "ConfirmRun") { Message = "cannot do that right now" });
        _spacelift.Faults.BeforeOperation = name =>
        {
            if (name == "ConfirmRun")
            {
                _spacelift.Data.UpdateRun(StackId, Waiting, run => run.State = "DISCARDED");
            }
        };
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{StackId}/runs/{Waiting}/confirm");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(HttpJson.Error(body), Does.Contain("DISCARDED"));
    }

    [Test]
    public async Task Decision_ErrorWhileStillUnconfirmed_Answers502()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.GraphQLError, "ConfirmRun") { Message = "internal error" });
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{StackId}/runs/{Waiting}/confirm");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("internal error"));
        Assert.That(_spacelift.Data.GetRun(StackId, Waiting)!.State, Is.EqualTo("UNCONFIRMED"));
    }

    [Test]
    public async Task Decision_NoWriterRole_Answers502()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.GraphQLError, "DiscardRun") { Message = "unauthorized" });
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{StackId}/runs/{Waiting}/discard");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("stack writer"));
    }

    [TestCase("confirm")]
    [TestCase("discard")]
    public async Task Decision_ReadOnly_Answers403WithoutCallingSpacelift(string action)
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Spacelift:ReadOnly"] = "true");
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{StackId}/runs/{Waiting}/{action}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(HttpJson.Error(body), Is.EqualTo("Confirm and discard functionality is disabled. Plugin is in read-only mode."));
        Assert.That(_spacelift.Requests.Total, Is.Zero);
        Assert.That(_spacelift.Data.GetRun(StackId, Waiting)!.State, Is.EqualTo("UNCONFIRMED"));
    }

    [TestCase("/api/spacelift-io/stacks/network-prod/runs/01JHNOSUCHRUN0000000000000/confirm", "01JHNOSUCHRUN0000000000000")]
    [TestCase("/api/spacelift-io/stacks/no-such-stack/runs/01JHNOSUCHRUN0000000000000/discard", "no-such-stack")]
    public async Task Decision_UnknownRunOrStack_Answers404(string path, string named)
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(HttpJson.Error(body), Does.Contain(named));
    }

    [TestCase("/api/spacelift-io/stacks/network-prod/runs/a%20b/confirm", "run id")]
    [TestCase("/api/spacelift-io/stacks/network-prod/runs/" + "x%2Fy" + "/discard", "run id")]
    [TestCase("/api/spacelift-io/stacks/network-prod/runs//confirm", "run id")]
    [TestCase("/api/spacelift-io/stacks/a%24b/runs/01JHWAITING000000000000001/confirm", "stack id")]
    public async Task Decision_InvalidIds_Answers400(string path, string named)
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain(named));
        Assert.That(_spacelift.Requests.Total, Is.Zero);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Confirm_AfterCachedReads_ReadsFresh(bool withRedis)
    {
        await using var proxy = ProxyFactory.For(_spacelift, withRedis ? TestEnvironment.Redis.ConnectionString : null, LongLifetimes);
        using var client = proxy.CreateClient();
        var (_, runsBefore) = await HttpJson.GetAsync(client, $"/api/spacelift-io/stacks/{StackId}/runs");
        var (_, stackBefore) = await HttpJson.GetAsync(client, $"/api/spacelift-io/stacks/{StackId}");
        Assert.That(NewestRunState(runsBefore), Is.EqualTo("UNCONFIRMED"));
        Assert.That(stackBefore.GetProperty("blocker").GetProperty("id").GetString(), Is.EqualTo(Waiting));

        var (confirm, _) = await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{StackId}/runs/{Waiting}/confirm");
        Assert.That(confirm.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var (_, runsAfter) = await HttpJson.GetAsync(client, $"/api/spacelift-io/stacks/{StackId}/runs");
        var (_, stackAfter) = await HttpJson.GetAsync(client, $"/api/spacelift-io/stacks/{StackId}");
        var (_, list) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        Assert.That(NewestRunState(runsAfter), Is.EqualTo("CONFIRMED"));
        Assert.That(stackAfter.GetProperty("blocker").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(list.EnumerateArray().Single(stack => stack.GetProperty("id").GetString() == StackId).GetProperty("state").GetString(), Is.EqualTo("CONFIRMED"));
    }

    private static string? NewestRunState(JsonElement page) => page.GetProperty("runs")[0].GetProperty("state").GetString();

    private static void LongLifetimes(Dictionary<string, string?> settings)
    {
        settings["Cache:StacksTtl"] = "00:05:00";
        settings["Cache:StackTtl"] = "00:05:00";
        settings["Cache:RunsTtl"] = "00:05:00";
    }
}
