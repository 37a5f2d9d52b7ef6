using System.Diagnostics;
using System.Net;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Spacelift;

/// <summary>What callers see when Spacelift fails: the right status, a readable error, never a 200.</summary>
public sealed class SpaceliftFaultTests
{
    private FakeSpaceliftServer _spacelift = null!;
    private ProxyFactory _proxy = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync();
        _proxy = ProxyFactory.For(_spacelift, configure: settings =>
        {
            settings["Spacelift:Timeout"] = "00:00:01";
            settings["Cache:StacksTtl"] = "00:00:00";

            // These tests check how each failure is reported, so no stale copy may stand in for it.
            settings["Cache:StaleIfErrorWindow"] = "00:00:00";
        });
        _client = _proxy.CreateClient();

        // Obtain the token first, so that faults aimed at every operation hit only the list.
        var (response, _) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
        await _spacelift.DisposeAsync();
    }

    [TestCase(500)]
    [TestCase(502)]
    [TestCase(503)]
    public async Task List_SpaceliftServerError_Answers502(int status)
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.ServerError, "ListStacks") { StatusCode = status });

        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain($"HTTP {status}"));
    }

    [Test]
    public async Task List_SpaceliftRateLimits_Answers503WithRetryAfter()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.RateLimited, "ListStacks") { RetryAfter = TimeSpan.FromSeconds(42) });

        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(42)));
        Assert.That(HttpJson.Error(body), Does.Contain("rate limiting"));
    }

    [Test]
    public async Task List_SpaceliftSendsInvalidJson_Answers502()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.InvalidJson, "ListStacks"));

        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("invalid JSON"));
    }

    [Test]
    public async Task List_SpaceliftHangs_Answers504WithinTimeout()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.Hang, "ListStacks"));
        var stopwatch = Stopwatch.StartNew();

        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.GatewayTimeout));
        Assert.That(HttpJson.Error(body), Does.Contain("Spacelift:Timeout"));
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)), "the configured timeout is 1 second");
    }

    [Test]
    public async Task List_SpaceliftGraphQLError_Answers502NotOk()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.GraphQLError, "ListStacks") { Message = "internal error" });

        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("internal error"));
    }

    [Test]
    public async Task List_PartialError_ServesReturnedData()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.PartialData, "ListStacks"));

        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetArrayLength(), Is.EqualTo(_spacelift.Data.StackCount));
    }

    [Test]
    public async Task List_MachineSessionGate_UsesSearchStacks()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.MachineSessionGate, "ListStacks"));

        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks");
        var (again, _) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetArrayLength(), Is.EqualTo(_spacelift.Data.StackCount));
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(2), "the first list and the refused one; not asked again");
    }

    [Test]
    public async Task Trigger_ServerError_Answers502NoRetry()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.ServerError, "TriggerRun"));
        var stackId = _spacelift.Data.Stacks[0].Id;

        var (response, body) = await HttpJson.PostEmptyAsync(_client, $"/api/spacelift-io/stacks/{stackId}/trigger");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Is.Not.Empty);
        Assert.That(_spacelift.Requests.Count("TriggerRun"), Is.EqualTo(1));
    }
}

/// <summary>Listing accounts with more stacks than one searchStacks page.</summary>
public sealed class SearchStacksPagingTests
{
    [Test]
    public async Task List_ThreeSearchPages_ReturnsEveryStack()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync(new FakeSpaceliftOptions { StackCount = 123 });
        spacelift.Faults.Add(new FakeFault(FakeFaultKind.MachineSessionGate, "ListStacks"));
        await using var proxy = ProxyFactory.For(spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var ids = body.EnumerateArray().Select(stack => stack.GetProperty("id").GetString()).ToArray();
        Assert.That(ids, Has.Length.EqualTo(123));
        Assert.That(ids, Is.Unique);
        Assert.That(spacelift.Requests.Count("SearchStacks"), Is.EqualTo(3));
    }
}
