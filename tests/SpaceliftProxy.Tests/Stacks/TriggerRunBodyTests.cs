using System.Net;
using System.Text;
using System.Text.Json;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Stacks;

/// <summary>The optional trigger body: which commit to run and whether the run is tracked or proposed.</summary>
public sealed class TriggerRunBodyTests
{
    private const string StackId = "network-prod";
    private const string TriggerPath = "/api/spacelift-io/stacks/" + StackId + "/trigger";
    private const string TrackedSha = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    private const string OtherSha = "9fceb02d0ae598e95dc970b74767f19372d61af8";

    private FakeSpaceliftServer _spacelift = null!;
    private ProxyFactory _proxy = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync().WaitAsync(HttpJson.Timeout);
        _spacelift.Data.UpsertStack(new FakeStack
        {
            Id = StackId,
            Name = "Network",
            State = "FINISHED",
            Repository = "network",
            TrackedCommit = new FakeCommit { Hash = TrackedSha, Message = "Add NAT gateway" },
        });
        _proxy = ProxyFactory.For(_spacelift);
        _client = _proxy.CreateClient();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
        await _spacelift.DisposeAsync();
    }

    [Test]
    public async Task Trigger_ShaAndProposed_ProposedRunOfSha()
    {
        var (response, body) = await PostAsync($$"""{"commitSha": "{{OtherSha}}", "runType": "PROPOSED"}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("type").GetString(), Is.EqualTo("PROPOSED"));
        var run = StoredRun(body);
        Assert.That(run.Type, Is.EqualTo("PROPOSED"));
        Assert.That(run.Commit?.Hash, Is.EqualTo(OtherSha));
        Assert.That(_spacelift.Data.GetStack(StackId)!.State, Is.EqualTo("FINISHED"), "a proposed run leaves the stack's state alone");
    }

    [Test]
    public async Task Trigger_UpperCaseSha_SentInLowerCase()
    {
        var (response, body) = await PostAsync($$"""{"commitSha": "{{OtherSha.ToUpperInvariant()}}"}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(StoredRun(body).Commit?.Hash, Is.EqualTo(OtherSha));
        Assert.That(StoredRun(body).Type, Is.EqualTo("TRACKED"));
    }

    [TestCase("9fceb02")]
    [TestCase("9fceb02d0ae598e95dc970b74767f19372d61af8")]
    public async Task Trigger_ShaOf7To40Characters_Accepted(string sha)
    {
        var (response, body) = await PostAsync($$"""{"commitSha": "{{sha}}"}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(StoredRun(body).Commit?.Hash, Is.EqualTo(sha));
    }

    [Test]
    public async Task Trigger_RunTypeTracked_RunsTrackedCommit()
    {
        var (response, body) = await PostAsync("""{"runType": "TRACKED"}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(StoredRun(body).Type, Is.EqualTo("TRACKED"));
        Assert.That(StoredRun(body).Commit?.Hash, Is.EqualTo(TrackedSha));
    }

    [TestCase("{}")]
    [TestCase("null")]
    [TestCase("""{"commitSha": null, "runType": null}""")]
    [TestCase("  ")]
    [TestCase("")]
    public async Task Trigger_NoOverrides_RunsTrackedCommit(string json)
    {
        var (response, body) = await PostAsync(json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(StoredRun(body).Type, Is.EqualTo("TRACKED"));
        Assert.That(StoredRun(body).Commit?.Hash, Is.EqualTo(TrackedSha));
    }

    [Test]
    public async Task Trigger_JsonWithCharset_Accepted()
    {
        using var content = new StringContent("""{"runType": "PROPOSED"}""", Encoding.UTF8, "application/json");
        content.Headers.ContentType!.CharSet = "utf-8";

        var (response, body) = await SendAsync(content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("type").GetString(), Is.EqualTo("PROPOSED"));
    }

    [TestCase("""{"commitSha": "9fceb0"}""", "commitSha", TestName = "Trigger_ShaOf6Characters_Answers400")]
    [TestCase("""{"commitSha": "9fceb02d0ae598e95dc970b74767f19372d61af8a"}""", "commitSha", TestName = "Trigger_ShaOf41Characters_Answers400")]
    [TestCase("""{"commitSha": "zzzzzzz"}""", "commitSha", TestName = "Trigger_ShaNotHex_Answers400")]
    [TestCase("""{"commitSha": ""}""", "commitSha", TestName = "Trigger_EmptySha_Answers400")]
    [TestCase("""{"commitSha": "main"}""", "commitSha", TestName = "Trigger_BranchName_Answers400")]
    [TestCase("""{"runType": "proposed"}""", "runType", TestName = "Trigger_LowerCaseRunType_Answers400")]
    [TestCase("""{"runType": "TASK"}""", "runType", TestName = "Trigger_RunTypeTask_Answers400")]
    [TestCase("""{"runType": 1}""", "must be a string", TestName = "Trigger_NumericRunType_Answers400")]
    [TestCase("""{"commitsha": "9fceb02"}""", "unknown member 'commitsha'", TestName = "Trigger_MisspelledMember_Answers400")]
    [TestCase("""{"commitSha": "9fceb02",""", "not valid JSON", TestName = "Trigger_MalformedJson_Answers400")]
    [TestCase("""["PROPOSED"]""", "JSON object", TestName = "Trigger_JsonArray_Answers400")]
    [TestCase("\"PROPOSED\"", "JSON object", TestName = "Trigger_JsonString_Answers400")]
    [TestCase("""{"commitSha": "9fceb02", "commitSha": "abcdef0"}""", "not valid JSON", TestName = "Trigger_DuplicateMember_Answers400")]
    public async Task Trigger_InvalidBody(string json, string expectedError)
    {
        var (response, body) = await PostAsync(json);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain(expectedError));
        Assert.That(_spacelift.Requests.Count("TriggerRun"), Is.Zero);
    }

    [TestCase("text/plain")]
    [TestCase("application/x-www-form-urlencoded")]
    public async Task Trigger_BodyOfOtherContentType_Answers400(string mediaType)
    {
        using var content = new StringContent("""{"runType": "PROPOSED"}""", Encoding.UTF8, mediaType);

        var (response, body) = await SendAsync(content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("application/json").And.Contain(mediaType));
        Assert.That(_spacelift.Requests.Count("TriggerRun"), Is.Zero);
    }

    [Test]
    public async Task Trigger_BodyWithoutContentType_Answers400()
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"runType": "PROPOSED"}"""));

        var (response, body) = await SendAsync(content);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("no content type"));
    }

    [Test]
    public async Task Trigger_OversizedBody_Answers400()
    {
        var (response, body) = await PostAsync($$"""{"commitSha": "9fceb02", "padding": "{{new string('x', 5000)}}"}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("4096 bytes"));
    }

    [Test]
    public async Task Trigger_ReadOnlyWithBody_Answers403()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Spacelift:ReadOnly"] = "true");
        using var client = proxy.CreateClient();
        using var content = new StringContent("""{"runType": "PROPOSED"}""", Encoding.UTF8, "application/json");

        var response = await client.PostAsync(new Uri(TriggerPath, UriKind.Relative), content).WaitAsync(HttpJson.Timeout);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(_spacelift.Requests.Total, Is.Zero);
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");

        return await SendAsync(content);
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpContent content)
    {
        var response = await _client.PostAsync(new Uri(TriggerPath, UriKind.Relative), content).WaitAsync(HttpJson.Timeout);

        return (response, await HttpJson.ReadAsync(response));
    }

    private FakeRun StoredRun(JsonElement triggered) =>
        _spacelift.Data.GetRun(StackId, triggered.GetProperty("id").GetString()!) ?? throw new AssertionException("The triggered run is not in the stand-in's data.");
}
