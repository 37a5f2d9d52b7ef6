using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Entities;

/// <summary>
/// A catalog entity's stacks: read from a Backstage catalog stand-in with the caller's token, then
/// from the Spacelift stand-in, for every way the annotations can name stacks and every way the
/// catalog can fail.
/// </summary>
public sealed class EntityStacksTests
{
    private const string UserToken = "Bearer eyJhbGciOiJFUzI1NiJ9.user-token.signature";
    private const string IdAnnotation = "spacelift.io/stack-id";
    private const string LabelAnnotation = "spacelift.io/stack-label";

    private FakeSpaceliftServer _spacelift = null!;
    private FakeCatalog _catalog = null!;
    private ProxyFactory _proxy = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync().WaitAsync(HttpJson.Timeout);
        _spacelift.Data.ClearStacks();
        TestStacks.AddWithRuns(_spacelift, "network-prod", trackedRuns: 7);
        TestStacks.AddWithRuns(_spacelift, "payments-api", trackedRuns: 2);
        TestStacks.AddWithRuns(_spacelift, "dns", trackedRuns: 1);
        _spacelift.Data.UpdateStack("network-prod", stack => stack.Labels = ["team:platform", "env:prod"]);
        _spacelift.Data.UpdateStack("dns", stack => stack.Labels = ["team:platform"]);

        _catalog = await FakeCatalog.StartAsync();
        _catalog.AddEntity("Component", "default", "network", new Dictionary<string, string> { [IdAnnotation] = "network-prod" });
        _catalog.AddEntity("Component", "default", "payments", new Dictionary<string, string> { [IdAnnotation] = " payments-api , network-prod,, payments-api ," });
        _catalog.AddEntity("System", "default", "platform", new Dictionary<string, string> { [LabelAnnotation] = "team:platform" });
        _catalog.AddEntity("Component", "default", "both", new Dictionary<string, string> { [IdAnnotation] = "payments-api,dns", [LabelAnnotation] = " team:platform " });
        _catalog.AddEntity("Component", "default", "stale", new Dictionary<string, string> { [IdAnnotation] = "network-prod,deleted-stack" });
        _catalog.AddEntity("Component", "default", "typo", new Dictionary<string, string> { [IdAnnotation] = "network-prod,bad id!" });
        _catalog.AddEntity("Component", "team-a", "bare", new Dictionary<string, string> { ["backstage.io/techdocs-ref"] = "dir:." });

        _proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Backstage:BaseUrl"] = _catalog.BaseAddress.ToString());
        _client = _proxy.CreateClient();
    }

    [TearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
        await _catalog.DisposeAsync();
        await _spacelift.DisposeAsync();
    }

    [TestCase("/api/spacelift-io")]
    [TestCase("/api/spacelift")]
    public async Task Entity_OneStackId_ReturnsStackWithRuns(string basePath)
    {
        var (response, body) = await GetAsync($"{basePath}/entities/component/default/network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.EnumerateObject().Select(property => property.Name), Is.EqualTo(new[] { "entityRef", "stacks", "missing", "invalid", "message" }));
        Assert.That(body.GetProperty("entityRef").GetString(), Is.EqualTo("component:default/network"));
        Assert.That(StackIds(body), Is.EqualTo(new[] { "network-prod" }));
        Assert.That(body.GetProperty("missing").GetArrayLength(), Is.Zero);
        Assert.That(body.GetProperty("invalid").GetArrayLength(), Is.Zero);
        Assert.That(body.GetProperty("message").ValueKind, Is.EqualTo(JsonValueKind.Null));

        var entry = body.GetProperty("stacks")[0];
        Assert.That(entry.EnumerateObject().Select(property => property.Name), Is.EqualTo(new[] { "stack", "runs" }));
        Assert.That(entry.GetProperty("stack").GetProperty("url").GetString(), Is.EqualTo($"{_spacelift.BaseAddress}stack/network-prod"));
        Assert.That(entry.GetProperty("stack").GetProperty("labels").GetArrayLength(), Is.EqualTo(2));
        var runs = entry.GetProperty("runs");
        Assert.That(runs.EnumerateArray().Select(run => run.GetProperty("id").GetString()), Is.EqualTo(Enumerable.Range(0, 5).Select(TestStacks.TrackedRunId)), "the newest 5 by default");
        Assert.That(runs[0].GetProperty("url").GetString(), Is.EqualTo($"{_spacelift.BaseAddress}stack/network-prod/run/{TestStacks.TrackedRunId(0)}"));
    }

    [Test]
    public async Task Entity_CallerToken_ForwardedToCatalog()
    {
        await GetAsync("/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(_catalog.Authorizations, Is.EqualTo(new[] { UserToken }));
    }

    [Test]
    public async Task Entity_NoCallerToken_NoneForwarded()
    {
        var (response, _) = await HttpJson.GetAsync(_client, "/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_catalog.Authorizations, Is.EqualTo(new string?[] { null }));
    }

    [Test]
    public async Task Entity_IdList_TrimmedWithoutEmptiesOrRepeats()
    {
        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/payments/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(StackIds(body), Is.EqualTo(new[] { "payments-api", "network-prod" }));
        Assert.That(RunCounts(body), Is.EqualTo(new[] { 2, 5 }));
    }

    [Test]
    public async Task Entity_Label_ReturnsEveryLabelledStack()
    {
        var (response, body) = await GetAsync("/api/spacelift-io/entities/system/default/platform/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(StackIds(body), Is.EqualTo(new[] { "dns", "network-prod" }));
        Assert.That(body.GetProperty("entityRef").GetString(), Is.EqualTo("system:default/platform"));
    }

    [Test]
    public async Task Entity_IdsAndLabel_IdsFirstEachOnce()
    {
        var (_, body) = await GetAsync("/api/spacelift-io/entities/component/default/both/stacks");

        Assert.That(StackIds(body), Is.EqualTo(new[] { "payments-api", "dns", "network-prod" }));
    }

    [Test]
    public async Task Entity_StaleId_ReportedMissing()
    {
        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/stale/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(StackIds(body), Is.EqualTo(new[] { "network-prod" }));
        Assert.That(body.GetProperty("missing").EnumerateArray().Select(id => id.GetString()), Is.EqualTo(new[] { "deleted-stack" }));
    }

    [Test]
    public async Task Entity_InvalidIdInAnnotation_ReportedInvalid()
    {
        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/typo/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(StackIds(body), Is.EqualTo(new[] { "network-prod" }));
        Assert.That(body.GetProperty("invalid").EnumerateArray().Select(id => id.GetString()), Is.EqualTo(new[] { "bad id!" }));
        Assert.That(_spacelift.Requests.Recent.Select(request => request.Body), Has.None.Contains("bad id!"), "invalid ids never reach Spacelift");
    }

    [Test]
    public async Task Entity_NoAnnotation_EmptyWithMessage()
    {
        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/team-a/bare/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("stacks").GetArrayLength(), Is.Zero);
        Assert.That(body.GetProperty("message").GetString(), Does.Contain("spacelift.io/stack-id").And.Contain("catalog-info.yaml"));
        Assert.That(_spacelift.Requests.Total, Is.Zero);
    }

    [Test]
    public async Task Entity_NoMetadataAnnotations_EmptyWithMessage()
    {
        _catalog.AddEntity("Component", "default", "plain");

        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/plain/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("message").GetString(), Does.Contain("spacelift.io/stack-label"));
    }

    [Test]
    public async Task Entity_OtherCase_Found()
    {
        var (response, body) = await GetAsync("/api/spacelift-io/entities/COMPONENT/Default/Network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("entityRef").GetString(), Is.EqualTo("component:default/network"));
    }

    [TestCase("0", 0)]
    [TestCase("1", 1)]
    [TestCase("20", 7)]
    public async Task Entity_RunsParameter_LimitsRuns(string runs, int expected)
    {
        var (response, body) = await GetAsync($"/api/spacelift-io/entities/component/default/network/stacks?runs={runs}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(RunCounts(body), Is.EqualTo(new[] { expected }));
    }

    [Test]
    public async Task Entity_NoRuns_NoRunsRequested()
    {
        await GetAsync("/api/spacelift-io/entities/component/default/network/stacks?runs=0");

        Assert.That(_spacelift.Requests.Count("ListRuns"), Is.Zero);
    }

    [TestCase("21")]
    [TestCase("-1")]
    [TestCase("five")]
    public async Task Entity_InvalidRunsParameter_Answers400(string runs)
    {
        var (response, body) = await GetAsync($"/api/spacelift-io/entities/component/default/network/stacks?runs={runs}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("'runs'").And.Contain("0 to 20"));
        Assert.That(_catalog.Authorizations, Is.Empty);
    }

    [TestCase("/entities/compo-nent/default/network/stacks", "kind", TestName = "Entity_KindWithDash_Answers400")]
    [TestCase("/entities/1component/default/network/stacks", "kind", TestName = "Entity_KindStartingWithDigit_Answers400")]
    [TestCase("/entities/component/default/-network/stacks", "name", TestName = "Entity_NameStartingWithDash_Answers400")]
    [TestCase("/entities/component/default/network./stacks", "name", TestName = "Entity_NameEndingWithDot_Answers400")]
    [TestCase("/entities/component/default/net%20work/stacks", "name", TestName = "Entity_NameWithSpace_Answers400")]
    [TestCase("/entities/component/default/net%2Fwork/stacks", "name", TestName = "Entity_NameWithEncodedSlash_Answers400")]
    [TestCase("/entities/component/de%3Afault/network/stacks", "namespace", TestName = "Entity_NamespaceWithColon_Answers400")]
    [TestCase("/entities/component/default/a123456789012345678901234567890123456789012345678901234567890123/stacks", "name", TestName = "Entity_NameOf64Characters_Answers400")]
    public async Task Entity_InvalidPart(string path, string part)
    {
        var (response, body) = await GetAsync("/api/spacelift-io" + path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("entity " + part));
        Assert.That(_catalog.Authorizations, Is.Empty, "nothing may reach the catalog");
    }

    [TestCase("component", "default", "a12345678901234567890123456789012345678901234567890123456789012")]
    [TestCase("component", "default", "a__b--c..d")]
    [TestCase("Template", "my_namespace.v2", "x")]
    public async Task Entity_ValidUnusualParts_SentToCatalog(string kind, string @namespace, string name)
    {
        var (response, _) = await GetAsync($"/api/spacelift-io/entities/{kind}/{@namespace}/{name}/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(_catalog.Authorizations, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Entity_NotInCatalog_Answers404()
    {
        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/no-such-entity/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(HttpJson.Error(body), Does.Contain("component:default/no-such-entity"));
        Assert.That(_spacelift.Requests.Total, Is.Zero);
    }

    [TestCase(401, HttpStatusCode.Unauthorized, "credentials")]
    [TestCase(403, HttpStatusCode.Forbidden, "does not allow")]
    public async Task Entity_CatalogRejectsCaller_StatusPassedOn(int catalogStatus, HttpStatusCode expected, string errorText)
    {
        _catalog.Status = catalogStatus;

        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(expected));
        Assert.That(HttpJson.Error(body), Does.Contain(errorText).And.Contain("component:default/network"));
        Assert.That(_spacelift.Requests.Total, Is.Zero);
    }

    [Test]
    public async Task Entity_CatalogServerError_Answers502()
    {
        _catalog.Status = 500;

        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("HTTP 500"));
    }

    [Test]
    public async Task Entity_CatalogInvalidJson_Answers502()
    {
        _catalog.AddRawEntity("component", "default", "broken", "{\"metadata\": {");

        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/broken/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("invalid JSON"));
    }

    [Test]
    public async Task Entity_CatalogUnreachable_Answers502()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Backstage:BaseUrl"] = $"http://127.0.0.1:{ClosedPort()}");
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("Could not reach Backstage's catalog").And.Contain("Backstage:BaseUrl"));
    }

    [Test]
    public async Task Entity_CatalogTooSlow_Answers504()
    {
        _catalog.Latency = TimeSpan.FromSeconds(5);
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings =>
        {
            settings["Backstage:BaseUrl"] = _catalog.BaseAddress.ToString();
            settings["Backstage:CatalogTimeout"] = "00:00:00.300";
        });
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.GatewayTimeout));
        Assert.That(HttpJson.Error(body), Does.Contain("Backstage:CatalogTimeout"));
    }

    [Test]
    public async Task Entity_BaseUrlNotSet_Answers503NamingSetting()
    {
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(HttpJson.Error(body), Does.Contain("Backstage:BaseUrl").And.Contain("backend.baseUrl"));
    }

    [Test]
    public async Task Entity_BaseUrlWithPath_KeepsPath()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Backstage:BaseUrl"] = new Uri(_catalog.BaseAddress, "backstage").ToString());
        using var client = proxy.CreateClient();

        var (response, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the stand-in serves no /backstage prefix, so the prefix was kept");
        Assert.That(_catalog.Authorizations, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Entity_EmptyAnnotation_SaysSo()
    {
        _catalog.AddEntity("Component", "default", "empty", new Dictionary<string, string> { [IdAnnotation] = " , ," });

        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/empty/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("message").GetString(), Does.Contain("names no stack id"));
    }

    [Test]
    public async Task Entity_LabelNoStackCarries_SaysSo()
    {
        _catalog.AddEntity("Component", "default", "unlabelled", new Dictionary<string, string> { [LabelAnnotation] = "team:nobody" });

        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/unlabelled/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("message").GetString(), Does.Contain("team:nobody"));
    }

    [Test]
    public async Task Entity_MoreThan50Ids_FirstFiftyShown()
    {
        var ids = string.Join(',', Enumerable.Range(0, 60).Select(index => $"gone-{index}"));
        _catalog.AddEntity("Component", "default", "many", new Dictionary<string, string> { [IdAnnotation] = ids });

        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/many/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("missing").GetArrayLength(), Is.EqualTo(50));
        Assert.That(body.GetProperty("message").GetString(), Does.Contain("only the first 50"));
        Assert.That(_spacelift.Requests.Count("GetStack"), Is.LessThanOrEqualTo(50));
    }

    [Test]
    public async Task Entity_CatalogDiscoveryEntry_UsedWithoutBaseUrl()
    {
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings =>
        {
            settings["Backstage:Discovery:Endpoints:0:Target:Internal"] = new Uri(_catalog.BaseAddress, "api/catalog").ToString();
            settings["Backstage:Discovery:Endpoints:0:Target:External"] = "https://backstage.example.com/api/catalog";
            settings["Backstage:Discovery:Endpoints:0:Plugins:0"] = "catalog";
        });
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(StackIds(body), Is.EqualTo(new[] { "network-prod" }));
    }

    [Test]
    public async Task Entity_SecondRequest_AsksCatalogAgain()
    {
        await GetAsync("/api/spacelift-io/entities/component/default/network/stacks");
        await GetAsync("/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(_catalog.Authorizations, Has.Count.EqualTo(2), "catalog answers depend on the caller and are not cached");
        Assert.That(_spacelift.Requests.Count("GetStack"), Is.EqualTo(1), "Spacelift answers are cached as usual");
    }

    [Test]
    public async Task Entity_ManyStacks_FourCallsAtOnce()
    {
        var labels = new Dictionary<string, string> { [LabelAnnotation] = "fleet" };
        for (var index = 0; index < 10; index++)
        {
            TestStacks.AddWithRuns(_spacelift, $"fleet-{index}", trackedRuns: 1);
            _spacelift.Data.UpdateStack($"fleet-{index}", stack => stack.Labels = ["fleet"]);
        }

        _catalog.AddEntity("System", "default", "fleet", labels);
        _spacelift.Faults.Latency = TimeSpan.FromMilliseconds(150);

        var (response, body) = await GetAsync("/api/spacelift-io/entities/system/default/fleet/stacks?runs=1");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(StackIds(body), Has.Count.EqualTo(10));
        Assert.That(_spacelift.Requests.MaxInFlight, Is.LessThanOrEqualTo(4));
        Assert.That(_spacelift.Requests.MaxInFlight, Is.GreaterThanOrEqualTo(2), "the stacks are read in parallel");
    }

    [Test]
    public async Task Entity_SpaceliftFails_Answers502()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.ServerError, "GetStack"));

        var (response, body) = await GetAsync("/api/spacelift-io/entities/component/default/network/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("GetStack"));
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(UserToken);
        var response = await _client.SendAsync(request).WaitAsync(HttpJson.Timeout);

        return (response, await HttpJson.ReadAsync(response));
    }

    private static List<string?> StackIds(JsonElement body) =>
        [.. body.GetProperty("stacks").EnumerateArray().Select(entry => entry.GetProperty("stack").GetProperty("id").GetString())];

    private static List<int> RunCounts(JsonElement body) =>
        [.. body.GetProperty("stacks").EnumerateArray().Select(entry => entry.GetProperty("runs").GetArrayLength())];

    /// <summary>Returns a loopback port that nothing listens on.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        return port;
    }
}
