using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.OpenApi;

/// <summary>The checked-in OpenAPI document is the one the running code generates.</summary>
public sealed class OpenApiDocumentTests
{
    public const string UpdateVariable = "SPACELIFT_PROXY_UPDATE_OPENAPI";
    private const string CheckedInPath = "openapi/spacelift-proxy.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Test]
    public async Task Document_MatchesCheckedInCopy()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift);
        using var client = proxy.CreateClient();

        var response = await client.GetAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative)).WaitAsync(HttpJson.Timeout);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var generated = Normalise(await response.Content.ReadAsStringAsync());
        var path = RepositoryFiles.PathOf(CheckedInPath);

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, generated);
            Assert.Pass($"Wrote {CheckedInPath}.");
        }

        var checkedIn = File.Exists(path) ? Normalise(await File.ReadAllTextAsync(path)) : "";
        Assert.That(generated, Is.EqualTo(checkedIn), $"{CheckedInPath} is out of date; run the tests with {UpdateVariable}=1 to rewrite it, then review the difference.");
    }

    [Test]
    public async Task SwaggerUi_IsServed()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(spacelift);
        using var client = proxy.CreateClient();

        var response = await client.GetAsync(new Uri("/swagger/index.html", UriKind.Relative)).WaitAsync(HttpJson.Timeout);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
    }

    private static string Normalise(string json) => JsonNode.Parse(json)!.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
}
