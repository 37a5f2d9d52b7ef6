using System.Net;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Diagnostics;

/// <summary>SIGTERM, as Kubernetes sends it: readiness fails first and no request is cut off.</summary>
public sealed class ShutdownTests
{
    [Test]
    public async Task Sigterm_DuringRequests_NoneCutOff()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        spacelift.Faults.Latency = TimeSpan.FromSeconds(1.5);
        await using var service = ServiceProcess.Start([], new Dictionary<string, string?>
        {
            ["Spacelift__HostUrl"] = spacelift.BaseAddress.ToString(),
            ["Spacelift__ApiKey"] = spacelift.Options.ApiKeyId,
            ["Spacelift__ApiSecret"] = spacelift.Options.ApiKeySecret,
            ["Cache__StacksTtl"] = "00:00:00",
            ["Backstage__Auth__DangerouslyDisableDefaultAuthPolicy"] = "true",
            ["Shutdown__DrainDelay"] = "00:00:01",
        });
        await service.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(30) };
        var (ready, _) = await HttpJson.GetAsync(client, "/.backstage/health/v1/readiness");
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var inFlight = Enumerable.Range(0, 20).Select(_ => client.GetAsync(new Uri("/api/spacelift-io/stacks", UriKind.Relative))).ToArray();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        service.Terminate();
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var (draining, drainingBody) = await HttpJson.GetAsync(client, "/.backstage/health/v1/readiness");
        var lateRequest = client.GetAsync(new Uri("/api/spacelift-io/stacks", UriKind.Relative));
        var responses = await Task.WhenAll(inFlight.Append(lateRequest)).WaitAsync(TimeSpan.FromSeconds(30));
        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(30));

        TestContext.Out.WriteLine($"{responses.Count(response => response.StatusCode == HttpStatusCode.OK)} of {responses.Length} requests in flight at SIGTERM answered 200");
        Assert.That(draining.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "readiness fails as soon as shutdown begins");
        Assert.That(drainingBody.GetProperty("message").GetString(), Does.Contain("shutting down"));
        Assert.That(responses.Select(response => response.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(exitCode, Is.Zero);
    }
}
