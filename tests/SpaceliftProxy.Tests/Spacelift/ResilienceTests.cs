using System.Diagnostics;
using System.Net;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Spacelift;

/// <summary>Retries, timeouts and the circuit breaker around calls to Spacelift.</summary>
public sealed class ResilienceTests
{
    private FakeSpaceliftServer _spacelift = null!;

    [SetUp]
    public async Task StartAsync() => _spacelift = await FakeSpaceliftServer.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _spacelift.DisposeAsync();

    [TestCase(FakeFaultKind.ServerError)]
    [TestCase(FakeFaultKind.Hang)]
    public async Task List_TransientFailures_RetriedToSuccess(FakeFaultKind fault)
    {
        _spacelift.Faults.Add(new FakeFault(fault, "ListStacks", Times: 2));
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings =>
        {
            settings["Spacelift:Resilience:AttemptTimeout"] = "00:00:00.500";
            settings["Spacelift:Resilience:RetryDelay"] = "00:00:00.010";
        });
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetArrayLength(), Is.EqualTo(_spacelift.Data.StackCount));
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(3));
    }

    [Test]
    public async Task List_ShortRetryAfter_WaitedOut()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.RateLimited, "ListStacks", Times: 1) { RetryAfter = TimeSpan.FromSeconds(1) });
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();
        var stopwatch = Stopwatch.StartNew();

        var (response, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(stopwatch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9)), "the retry waits for Retry-After");
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(2));
    }

    [Test]
    public async Task List_AttemptsExceedTotalTimeout_Answers504()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.Hang, "ListStacks"));
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings =>
        {
            settings["Spacelift:Timeout"] = "00:00:01.500";
            settings["Spacelift:Resilience:AttemptTimeout"] = "00:00:00.400";
            settings["Spacelift:Resilience:RetryDelay"] = "00:00:00.010";
            settings["Cache:StaleIfErrorWindow"] = "00:00:00";
        });
        using var client = proxy.CreateClient();
        var stopwatch = Stopwatch.StartNew();

        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.GatewayTimeout));
        Assert.That(HttpJson.Error(body), Does.Contain("did not respond"));
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(3), "the first attempt and two retries");
    }

    [Test]
    public async Task Trigger_AttemptTimesOut_NotRetried()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.Hang, "TriggerRun"));
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Spacelift:Resilience:AttemptTimeout"] = "00:00:00.300");
        using var client = proxy.CreateClient();

        var (response, _) = await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{_spacelift.Data.Stacks[0].Id}/trigger");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.GatewayTimeout));
        Assert.That(_spacelift.Requests.Count("TriggerRun"), Is.EqualTo(1), "a mutation may not run twice");
    }

    [Test]
    public async Task Circuit_RepeatedFailures_OpensThenCloses()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings =>
        {
            settings["Cache:StacksTtl"] = "00:00:00";
            settings["Cache:StaleIfErrorWindow"] = "00:00:00";
            settings["Spacelift:Resilience:MaxRetries"] = "0";
            settings["Spacelift:Resilience:CircuitBreakerMinimumThroughput"] = "4";
            settings["Spacelift:Resilience:CircuitBreakerSamplingDuration"] = "00:00:10";
            settings["Spacelift:Resilience:CircuitBreakerBreakDuration"] = "00:00:01";
        });
        using var client = proxy.CreateClient();
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.ServerError, "ListStacks"));

        for (var i = 0; i < 4; i++)
        {
            var (failed, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
            Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        }

        var sentBeforeOpen = _spacelift.Requests.Count("ListStacks");
        var (whileOpen, openBody) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(whileOpen.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(openBody), Does.Contain("paused"));
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(sentBeforeOpen), "an open circuit sends nothing");

        _spacelift.Faults.Clear();
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var (afterBreak, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        var (closed, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(afterBreak.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(closed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Circuit_Open_StaleListServed()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings =>
        {
            settings["Cache:StacksTtl"] = "00:00:00";
            settings["Spacelift:Resilience:MaxRetries"] = "0";
            settings["Spacelift:Resilience:CircuitBreakerMinimumThroughput"] = "2";
            settings["Spacelift:Resilience:CircuitBreakerBreakDuration"] = "00:00:30";
        });
        using var client = proxy.CreateClient();
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.ServerError, "ListStacks"));

        for (var i = 0; i < 5; i++)
        {
            var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body.GetArrayLength(), Is.EqualTo(_spacelift.Data.StackCount));
            Assert.That(response.Headers.GetValues("Cache-Status").Single(), Does.Contain("stale-if-error"));
        }
    }
}
