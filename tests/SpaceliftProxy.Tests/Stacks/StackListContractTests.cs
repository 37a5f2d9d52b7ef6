using System.Net;
using System.Text.Json;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Stacks;

/// <summary>
/// The stack list as the Spacelift frontend plugin reads it: field names, casing, nulls and
/// states, under both base paths, with and without Redis.
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public sealed class StackListContractTests(bool withRedis)
{
    private FakeSpaceliftServer _spacelift = null!;
    private ProxyFactory _proxy = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync(new FakeSpaceliftOptions { ExtraStackStates = ["FUTURE_STATE"] });
        _spacelift.Data.ClearStacks();
        _spacelift.Data.UpsertSpace(new FakeSpace { Id = "root", Name = "root" });
        _spacelift.Data.UpsertSpace(new FakeSpace { Id = "payments-01HQAK2RM0FQD5NQXCEB9MQTGP", Name = "Payments" });
        _spacelift.Data.AddStack(new FakeStack
        {
            Id = "payments-api-prod",
            Name = "Payments API (production)",
            Description = "Terraform for the **payments** API.",
            Labels = ["team:payments", "env:prod"],
            State = "FINISHED",
            Branch = "main",
            Space = "payments-01HQAK2RM0FQD5NQXCEB9MQTGP",
            Repository = "payments-infra",
        });
        _spacelift.Data.AddStack(new FakeStack
        {
            Id = "no-description",
            Name = "Zürich 東京 🚀",
            Description = null,
            Labels = [],
            State = "FUTURE_STATE",
            Branch = "release/2026.12",
            Space = "root",
            Repository = "infra",
        });
        _spacelift.Data.AddStack(new FakeStack
        {
            Id = "ready.stack_1",
            Name = "Ready",
            Description = "",
            Labels = ["a"],
            State = "READY",
            Branch = "main",
            Space = "root",
            Repository = "infra",
        });

        _proxy = ProxyFactory.For(_spacelift, withRedis ? TestEnvironment.Redis.ConnectionString : null);
        _client = _proxy.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
        await _spacelift.DisposeAsync();
    }

    [TestCase("/api/spacelift-io/stacks")]
    [TestCase("/api/spacelift/stacks")]
    public async Task List_BothBasePaths_ReturnArrayOfStacks(string path)
    {
        var (response, body) = await HttpJson.GetAsync(_client, path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        Assert.That(body.ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(body.GetArrayLength(), Is.EqualTo(3));
    }

    [Test]
    public async Task List_FullStack_HasExactlyTheContractFields()
    {
        var stack = await GetStackAsync("payments-api-prod");

        var names = stack.EnumerateObject().Select(property => property.Name).ToArray();
        Assert.That(names, Is.EqualTo(new[] { "id", "name", "description", "labels", "state", "branch", "spaceDetails" }));
        Assert.That(stack.GetProperty("id").GetString(), Is.EqualTo("payments-api-prod"));
        Assert.That(stack.GetProperty("name").GetString(), Is.EqualTo("Payments API (production)"));
        Assert.That(stack.GetProperty("description").GetString(), Is.EqualTo("Terraform for the **payments** API."));
        Assert.That(stack.GetProperty("labels").EnumerateArray().Select(label => label.GetString()), Is.EqualTo(new[] { "team:payments", "env:prod" }));
        Assert.That(stack.GetProperty("state").GetString(), Is.EqualTo("FINISHED"));
        Assert.That(stack.GetProperty("branch").GetString(), Is.EqualTo("main"));
        Assert.That(stack.GetProperty("spaceDetails").GetProperty("id").GetString(), Is.EqualTo("payments-01HQAK2RM0FQD5NQXCEB9MQTGP"));
        Assert.That(stack.GetProperty("spaceDetails").GetProperty("name").GetString(), Is.EqualTo("Payments"));
    }

    [Test]
    public async Task List_NullDescription_IsJsonNull()
    {
        var stack = await GetStackAsync("no-description");

        Assert.That(stack.GetProperty("description").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task List_EmptyDescription_StaysEmptyString()
    {
        var stack = await GetStackAsync("ready.stack_1");

        Assert.That(stack.GetProperty("description").GetString(), Is.Empty);
    }

    [Test]
    public async Task List_NoLabels_IsEmptyArray()
    {
        var stack = await GetStackAsync("no-description");

        Assert.That(stack.GetProperty("labels").ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(stack.GetProperty("labels").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task List_UnicodeName_RoundTrips()
    {
        var stack = await GetStackAsync("no-description");

        Assert.That(stack.GetProperty("name").GetString(), Is.EqualTo("Zürich 東京 🚀"));
    }

    [Test]
    public async Task List_StateUnknownToService_PassedThrough()
    {
        var stack = await GetStackAsync("no-description");

        Assert.That(stack.GetProperty("state").GetString(), Is.EqualTo("FUTURE_STATE"));
    }

    [Test]
    public async Task List_ReadyState_PassedThrough()
    {
        var stack = await GetStackAsync("ready.stack_1");

        Assert.That(stack.GetProperty("state").GetString(), Is.EqualTo("READY"));
    }

    [Test]
    public async Task Health_BothBasePaths_AnswerOk()
    {
        foreach (var path in new[] { "/api/spacelift-io/health", "/api/spacelift/health" })
        {
            var (response, body) = await HttpJson.GetAsync(_client, path);

            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);
            Assert.That(body.GetRawText(), Is.EqualTo("""{"status":"ok"}"""), path);
        }
    }

    [Test]
    public async Task UnknownRoute_Answers404WithErrorString()
    {
        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/nothing-here");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(HttpJson.Error(body), Does.Contain("/api/spacelift-io/nothing-here"));
    }

    [Test]
    public async Task WrongMethod_Answers405WithErrorString()
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri("/api/spacelift-io/stacks", UriKind.Relative));
        var response = await _client.SendAsync(request).WaitAsync(HttpJson.Timeout);
        var body = await HttpJson.ReadAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(HttpJson.Error(body), Does.Contain("DELETE"));
    }

    private async Task<JsonElement> GetStackAsync(string id)
    {
        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        return body.EnumerateArray().Single(stack => stack.GetProperty("id").GetString() == id);
    }
}
