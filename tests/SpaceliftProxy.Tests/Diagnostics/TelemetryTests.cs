using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Diagnostics;

/// <summary>Metrics at /metrics and traces that follow a request to Spacelift.</summary>
public sealed class TelemetryTests
{
    [Test]
    public async Task Metrics_AfterShortRun_ShowEveryInstrument()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, TestEnvironment.Redis.ConnectionString, settings => settings["Spacelift:Resilience:MaxRetries"] = "0");
        using var client = proxy.CreateClient();
        var stackId = spacelift.Data.Stacks[0].Id;
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{stackId}/trigger");
        spacelift.Faults.Add(new FakeFault(FakeFaultKind.ServerError, "TriggerRun"));
        await HttpJson.PostEmptyAsync(client, $"/api/spacelift-io/stacks/{stackId}/trigger");

        var metrics = await ScrapeAsync(client);

        Assert.That(metrics, Does.Contain("spacelift_proxy_cache_requests_total{").And.Contain("kind=\"stacks\"").And.Contain("outcome=\"hit\""));
        Assert.That(metrics, Does.Contain("outcome=\"miss\""));
        Assert.That(metrics, Does.Contain("spacelift_proxy_spacelift_duration_seconds_bucket{").And.Contain("operation=\"ListStacks\""));
        Assert.That(metrics, Does.Contain("spacelift_proxy_spacelift_errors_total{").And.Contain("error_kind=\"unavailable\""));
        Assert.That(metrics, Does.Contain("spacelift_proxy_token_refreshes_total{").And.Contain("outcome=\"exchanged\""));
        Assert.That(metrics, Does.Contain("spacelift_proxy_run_actions_total{").And.Contain("action=\"trigger\""));
        Assert.That(metrics, Does.Contain("http_server_request_duration_seconds_bucket{"), "ASP.NET Core instruments");
        Assert.That(metrics, Does.Contain("http_client_request_duration_seconds_bucket{"), "HttpClient instruments");
        Assert.That(metrics, Does.Contain("dotnet_gc_"), "runtime instruments");
        Assert.That(metrics, Does.Not.Contain(spacelift.Options.ApiKeySecret));
    }

    [Test]
    public async Task Trace_IncomingContext_PropagatedToSpacelift()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift);
        using var client = proxy.CreateClient();
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/spacelift-io/stacks", UriKind.Relative));
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        var response = await client.SendAsync(request).WaitAsync(HttpJson.Timeout);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var listRequest = spacelift.Requests.Recent.Single(recorded => recorded.OperationName == "ListStacks");
        Assert.That(listRequest.Headers.TryGetValue("traceparent", out var sent), Is.True, "traceparent must reach Spacelift");
        Assert.That(sent, Does.StartWith($"00-{traceId}-"));
    }

    [Test]
    public async Task Trace_SpaceliftSpans_NameOperationWithoutSecrets()
    {
        var spans = new List<Activity>();
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift, services: services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));
        using var client = proxy.CreateClient();

        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        await HttpJson.GetAsync(client, "/.backstage/health/v1/readiness");
        await HttpJson.GetAsync(client, "/api/spacelift-io/health");
        await FlushAsync(proxy);

        Assert.That(spans.Select(span => span.DisplayName), Does.Contain("Spacelift ListStacks"));
        Assert.That(spans.Select(span => span.DisplayName), Does.Contain("Spacelift ExchangeApiKey"));
        var operationSpan = spans.First(span => span.DisplayName == "Spacelift ListStacks");
        Assert.That(operationSpan.GetTagItem("graphql.operation.name"), Is.EqualTo("ListStacks"));
        var allTagValues = spans.SelectMany(span => span.TagObjects).Select(tag => tag.Value?.ToString() ?? "").ToArray();
        Assert.That(allTagValues, Has.None.Contains(spacelift.Options.ApiKeySecret));
        Assert.That(allTagValues, Has.None.Contains("eyJ"), "no JWT may appear in a span");
        var serverPaths = spans.Where(span => span.Kind == ActivityKind.Server).Select(span => span.GetTagItem("url.path") as string).ToArray();
        Assert.That(serverPaths, Does.Contain("/api/spacelift-io/stacks"));
        Assert.That(serverPaths, Has.None.Contains("health"), "probes are not traced");
    }

    private static async Task<string> ScrapeAsync(HttpClient client)
    {
        // The exporter caches a scrape briefly; a fresh scrape shows the counters above.
        await Task.Delay(TimeSpan.FromMilliseconds(100));
        var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative)).WaitAsync(HttpJson.Timeout);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        return await response.Content.ReadAsStringAsync().WaitAsync(HttpJson.Timeout);
    }

    private static async Task FlushAsync(ProxyFactory proxy)
    {
        var tracerProvider = proxy.Services.GetRequiredService<TracerProvider>();
        tracerProvider.ForceFlush(5_000);
        await Task.Delay(TimeSpan.FromMilliseconds(100));
    }
}
