using System.Net;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Diagnostics;

/// <summary>The probe paths Backstage's Helm chart uses, and what they depend on.</summary>
public sealed class HealthProbeTests
{
    [Test]
    public async Task Liveness_Running_AnswersOk()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/.backstage/health/v1/liveness");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetRawText(), Is.EqualTo("""{"status":"ok"}"""));
    }

    [Test]
    public async Task Readiness_MemoryOnly_AnswersOk()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/.backstage/health/v1/readiness");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetRawText(), Is.EqualTo("""{"status":"ok"}"""));
    }

    [Test]
    public async Task Readiness_RedisReachable_ReportsRedisOk()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, TestEnvironment.Redis.ConnectionString);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/.backstage/health/v1/readiness");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetRawText(), Is.EqualTo("""{"status":"ok","redis":"ok"}"""));
    }

    [Test]
    public async Task Readiness_RedisUnreachable_DegradedNotFailed()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, "127.0.0.1:1");
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/.backstage/health/v1/readiness");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetRawText(), Is.EqualTo("""{"status":"degraded","redis":"unreachable"}"""));
    }

    [Test]
    public async Task Readiness_SpaceliftDown_StillReady()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        spacelift.Faults.Add(new FakeFault(FakeFaultKind.ServerError));
        await using var proxy = ProxyFactory.For(spacelift);
        using var client = proxy.CreateClient();
        var (stacks, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        Assert.That(stacks.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));

        var (response, _) = await HttpJson.GetAsync(client, "/.backstage/health/v1/readiness");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Probes_DoNotCallSpacelift()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift);
        using var client = proxy.CreateClient();

        foreach (var path in new[] { "/.backstage/health/v1/liveness", "/.backstage/health/v1/readiness", "/api/spacelift-io/health", "/api/spacelift/health" })
        {
            var (response, _) = await HttpJson.GetAsync(client, path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
        }

        Assert.That(spacelift.Requests.Total, Is.Zero);
    }
}
