using System.Net;
using System.Text.Json;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Stacks;

public sealed class TriggerRunTests
{
    private FakeSpaceliftServer _spacelift = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync();
        _spacelift.Data.UpsertStack(new FakeStack
        {
            Id = "network-prod",
            Name = "Network",
            State = "FINISHED",
            Branch = "main",
            Space = "root",
            Repository = "network",
        });
    }

    [TearDown]
    public async Task StopAsync() => await _spacelift.DisposeAsync();

    [TestCase("/api/spacelift-io")]
    [TestCase("/api/spacelift")]
    public async Task Trigger_EmptyPost_ReturnsNewRun(string basePath)
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, basePath + "/stacks/network-prod/trigger");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var runId = body.GetProperty("id").GetString();
        Assert.That(runId, Is.Not.Null.And.Not.Empty);
        Assert.That(body.GetProperty("state").GetString(), Is.EqualTo("QUEUED"));
        Assert.That(body.GetProperty("url").GetString(), Is.EqualTo($"{_spacelift.BaseAddress}stack/network-prod/run/{runId}"));
        Assert.That(_spacelift.Data.GetRun("network-prod", runId!), Is.Not.Null);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Trigger_AfterCachedList_NextListShowsNewState(bool withRedis)
    {
        await using var proxy = ProxyFactory.For(_spacelift, withRedis ? TestEnvironment.Redis.ConnectionString : null, settings => settings["Cache:StacksTtl"] = "00:05:00");
        using var client = proxy.CreateClient();
        Assert.That(await StateOfAsync(client, "network-prod"), Is.EqualTo("FINISHED"));

        var (response, _) = await HttpJson.PostEmptyAsync(client, "/api/spacelift-io/stacks/network-prod/trigger");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await StateOfAsync(client, "network-prod"), Is.EqualTo("PREPARING"));
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(2));
    }

    [Test]
    public async Task Trigger_ReadOnly_Answers403WithoutCallingSpacelift()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Spacelift:ReadOnly"] = "true");
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, "/api/spacelift-io/stacks/network-prod/trigger");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(HttpJson.Error(body), Is.EqualTo("Trigger functionality is disabled. Plugin is in read-only mode."));
        Assert.That(_spacelift.Requests.Total, Is.Zero);
    }

    [Test]
    public async Task Trigger_UnknownStack_Answers404()
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, "/api/spacelift-io/stacks/no-such-stack/trigger");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(HttpJson.Error(body), Does.Contain("no-such-stack"));
    }

    [Test]
    public async Task Trigger_SpaceliftRefusesTwice_Answers502NamingTheRole()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.GraphQLError, "TriggerRun") { Message = "unauthorized" });
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, "/api/spacelift-io/stacks/network-prod/trigger");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("stack writer"));
        Assert.That(_spacelift.Requests.Count("TriggerRun"), Is.EqualTo(2), "one retry with a new token, then no more");
    }

    public static IEnumerable<TestCaseData> InvalidStackPaths()
    {
        yield return new TestCaseData("/api/spacelift-io/stacks//trigger").SetName("Trigger_EmptyStackId_Answers400");
        yield return new TestCaseData("/api/spacelift-io/stacks/" + new string('a', 256) + "/trigger").SetName("Trigger_StackIdOf256Characters_Answers400");
        yield return new TestCaseData("/api/spacelift-io/stacks/st%C3%BCck/trigger").SetName("Trigger_NonAsciiStackId_Answers400");
        yield return new TestCaseData("/api/spacelift-io/stacks/a%20b/trigger").SetName("Trigger_StackIdWithSpace_Answers400");
        yield return new TestCaseData("/api/spacelift-io/stacks/a%2Fb/trigger").SetName("Trigger_StackIdWithEncodedSlash_Answers400");
        yield return new TestCaseData("/api/spacelift-io/stacks/a%22%7D/trigger").SetName("Trigger_StackIdWithQuote_Answers400");
        yield return new TestCaseData("/api/spacelift/stacks/a$b/trigger").SetName("Trigger_StackIdWithDollar_Answers400");
    }

    [TestCaseSource(nameof(InvalidStackPaths))]
    public async Task Trigger_InvalidStackId(string path)
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.PostEmptyAsync(client, path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("stack id"));
        Assert.That(_spacelift.Requests.Total, Is.Zero, "nothing may reach Spacelift");
    }

    [TestCase("GET", "/api/spacelift-io/stacks/network-prod/trigger", "POST")]
    [TestCase("GET", "/api/spacelift-io/stacks/network-prod/runs/01HQ/confirm", "POST")]
    [TestCase("POST", "/api/spacelift-io/stacks", "GET")]
    [TestCase("DELETE", "/api/spacelift-io/stacks", "GET")]
    [TestCase("POST", "/api/spacelift-io/stacks/network-prod", "GET")]
    [TestCase("DELETE", "/api/spacelift-io/stacks/network-prod/trigger", "POST")]
    [TestCase("POST", "/api/spacelift-io/stacks/network-prod/runs", "GET")]
    public async Task Route_WrongMethod_Answers405WithAllow(string method, string path, string allowed)
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));

        var response = await client.SendAsync(request).WaitAsync(HttpJson.Timeout);
        var body = await HttpJson.ReadAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(response.Content.Headers.Allow, Is.EqualTo(new[] { allowed }));
        Assert.That(HttpJson.Error(body), Does.Contain(method));
        Assert.That(_spacelift.Requests.Total, Is.Zero);
    }

    [Test]
    public async Task Trigger_StackIdOf255Characters_IsSentToSpacelift()
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, _) = await HttpJson.PostEmptyAsync(client, "/api/spacelift-io/stacks/" + new string('a', 255) + "/trigger");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(_spacelift.Requests.Count("TriggerRun"), Is.EqualTo(1));
    }

    private static async Task<string?> StateOfAsync(HttpClient client, string stackId)
    {
        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        return body.EnumerateArray().Single(stack => stack.GetProperty("id").GetString() == stackId).GetProperty("state").GetString();
    }
}
