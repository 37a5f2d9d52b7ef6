using System.Diagnostics;
using System.Net;
using System.Text.Json;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Diagnostics;

/// <summary>Console logs as an operator collects them: JSON on request, with the trace id.</summary>
public sealed class LoggingTests
{
    [Test]
    public async Task JsonConsole_AccessLog_CarriesTraceId()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var service = ServiceProcess.Start([], new Dictionary<string, string?>
        {
            ["Spacelift__HostUrl"] = spacelift.BaseAddress.ToString(),
            ["Spacelift__ApiKey"] = spacelift.Options.ApiKeyId,
            ["Spacelift__ApiSecret"] = spacelift.Options.ApiKeySecret,
            ["Backstage__Auth__DangerouslyDisableDefaultAuthPolicy"] = "true",
            ["Logging__Console__FormatterName"] = "json",
        });
        await service.WaitUntilListeningAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = service.Address };
        var traceId = ActivityTraceId.CreateRandom().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/spacelift-io/stacks", UriKind.Relative));
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        var response = await client.SendAsync(request).WaitAsync(HttpJson.Timeout);
        var accessLine = await WaitForLineAsync(service, line => line.Contains("SpaceliftProxy.AccessLog", StringComparison.Ordinal) && line.Contains(traceId, StringComparison.Ordinal));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var entry = JsonDocument.Parse(accessLine);
        Assert.That(entry.RootElement.GetProperty("Category").GetString(), Is.EqualTo("SpaceliftProxy.AccessLog"));
        Assert.That(entry.RootElement.GetProperty("State").GetProperty("StatusCode").GetInt32(), Is.EqualTo(200));
        Assert.That(service.Output, Does.Not.Contain("/.backstage/health"), "probes stay out of the access log");
        Assert.That(service.Output, Does.Not.Contain(spacelift.Options.ApiKeySecret));
    }

    private static async Task<string> WaitForLineAsync(ServiceProcess service, Func<string, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var line = service.Output.Split('\n').FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"No matching log line within 10 seconds:\n{service.Output}");
        return "";
    }
}
