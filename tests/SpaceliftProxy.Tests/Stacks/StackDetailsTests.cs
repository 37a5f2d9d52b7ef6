using System.Net;
using System.Text.Json;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Stacks;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Stacks;

/// <summary>One stack's details: every field, nulls, vendor names, times and errors.</summary>
public sealed class StackDetailsTests
{
    private const string StackId = "network-prod";
    private const string Blocker = "01JHWAITING000000000000001";

    private FakeSpaceliftServer _spacelift = null!;
    private ProxyFactory _proxy = null!;
    private HttpClient _client = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync().WaitAsync(HttpJson.Timeout);
        _spacelift.Data.UpsertSpace(new FakeSpace { Id = "platform-01HQAK2RM0FQD5NQXCEB9MQTGP", Name = "Platform" });
        _spacelift.Data.UpsertStack(new FakeStack
        {
            Id = StackId,
            Name = "Network (production)",
            Description = "VPCs and transit gateways.",
            Labels = ["team:platform", "env:prod"],
            State = "UNCONFIRMED",
            Branch = "main",
            Space = "platform-01HQAK2RM0FQD5NQXCEB9MQTGP",
            Repository = "infra-network",
            Namespace = "acme",
            Provider = "GITLAB",
            ProjectRoot = "stacks/network/prod",
            TrackedCommit = new FakeCommit { Hash = "4b825dc642cb6eb9a060e54bf8d69288fbee4904", AuthorLogin = "mnowak", AuthorName = "Marta Nowak", Message = "Add NAT gateway", Url = "https://gitlab.com/acme/infra-network/-/commit/4b825dc" },
            LockedBy = "akira-tanaka",
            IsDisabled = true,
            IsDrifted = true,
            WorkerPool = new FakeWorkerPool { Id = "01HQWORKERPOOL000000000001", Name = "private-eks-pool" },
            BlockerRunId = Blocker,
            CreatedAt = 1_700_000_000,
            VendorConfig = FakeVendorConfig.OpenTofu("1.8.0"),
        });
        _spacelift.Data.AddRun(StackId, new FakeRun { Id = Blocker, State = "UNCONFIRMED", Type = "TRACKED", CreatedAt = 1_767_268_800 });

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

    [TestCase("/api/spacelift-io")]
    [TestCase("/api/spacelift")]
    public async Task Details_BothBasePaths_ReturnStack(string basePath)
    {
        var (response, body) = await HttpJson.GetAsync(_client, $"{basePath}/stacks/{StackId}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("id").GetString(), Is.EqualTo(StackId));
    }

    [Test]
    public async Task Details_FullStack_HasEveryField()
    {
        var (_, stack) = await HttpJson.GetAsync(_client, $"/api/spacelift-io/stacks/{StackId}");

        Assert.That(stack.EnumerateObject().Select(property => property.Name), Is.EqualTo(new[]
        {
            "id", "name", "description", "labels", "state", "branch", "spaceDetails",
            "repository", "namespace", "provider", "projectRoot", "trackedCommit", "lockedBy", "isDisabled", "isDrifted",
            "workerPool", "blocker", "createdAt", "vendor", "url",
        }));
        Assert.That(stack.GetProperty("name").GetString(), Is.EqualTo("Network (production)"));
        Assert.That(stack.GetProperty("description").GetString(), Is.EqualTo("VPCs and transit gateways."));
        Assert.That(stack.GetProperty("labels").EnumerateArray().Select(label => label.GetString()), Is.EqualTo(new[] { "team:platform", "env:prod" }));
        Assert.That(stack.GetProperty("state").GetString(), Is.EqualTo("UNCONFIRMED"));
        Assert.That(stack.GetProperty("branch").GetString(), Is.EqualTo("main"));
        Assert.That(stack.GetProperty("spaceDetails").GetProperty("id").GetString(), Is.EqualTo("platform-01HQAK2RM0FQD5NQXCEB9MQTGP"));
        Assert.That(stack.GetProperty("spaceDetails").GetProperty("name").GetString(), Is.EqualTo("Platform"));
        Assert.That(stack.GetProperty("repository").GetString(), Is.EqualTo("infra-network"));
        Assert.That(stack.GetProperty("namespace").GetString(), Is.EqualTo("acme"));
        Assert.That(stack.GetProperty("provider").GetString(), Is.EqualTo("GITLAB"));
        Assert.That(stack.GetProperty("projectRoot").GetString(), Is.EqualTo("stacks/network/prod"));
        Assert.That(stack.GetProperty("lockedBy").GetString(), Is.EqualTo("akira-tanaka"));
        Assert.That(stack.GetProperty("isDisabled").GetBoolean(), Is.True);
        Assert.That(stack.GetProperty("isDrifted").GetBoolean(), Is.True);
        Assert.That(stack.GetProperty("createdAt").GetString(), Is.EqualTo("2023-11-14T22:13:20Z"));
        Assert.That(stack.GetProperty("vendor").GetString(), Is.EqualTo("opentofu"));
        Assert.That(stack.GetProperty("url").GetString(), Is.EqualTo($"{_spacelift.BaseAddress}stack/{StackId}"));

        var commit = stack.GetProperty("trackedCommit");
        Assert.That(commit.GetProperty("hash").GetString(), Is.EqualTo("4b825dc642cb6eb9a060e54bf8d69288fbee4904"));
        Assert.That(commit.GetProperty("message").GetString(), Is.EqualTo("Add NAT gateway"));
        Assert.That(commit.GetProperty("author").GetString(), Is.EqualTo("Marta Nowak"));
        Assert.That(commit.GetProperty("url").GetString(), Is.EqualTo("https://gitlab.com/acme/infra-network/-/commit/4b825dc"));

        var pool = stack.GetProperty("workerPool");
        Assert.That(pool.GetProperty("id").GetString(), Is.EqualTo("01HQWORKERPOOL000000000001"));
        Assert.That(pool.GetProperty("name").GetString(), Is.EqualTo("private-eks-pool"));

        var blocker = stack.GetProperty("blocker");
        Assert.That(blocker.EnumerateObject().Select(property => property.Name), Is.EqualTo(new[] { "id", "state", "type", "url" }));
        Assert.That(blocker.GetProperty("id").GetString(), Is.EqualTo(Blocker));
        Assert.That(blocker.GetProperty("state").GetString(), Is.EqualTo("UNCONFIRMED"));
        Assert.That(blocker.GetProperty("type").GetString(), Is.EqualTo("TRACKED"));
        Assert.That(blocker.GetProperty("url").GetString(), Is.EqualTo($"{_spacelift.BaseAddress}stack/{StackId}/run/{Blocker}"));
    }

    [Test]
    public async Task Details_BareStack_NullsAndDefaults()
    {
        _spacelift.Data.UpsertStack(new FakeStack { Id = "bare", Name = "Bare", Repository = "infra", LockedBy = "", IsDrifted = null, CreatedAt = 0 });

        var (response, stack) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks/bare");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        foreach (var name in new[] { "description", "namespace", "projectRoot", "trackedCommit", "lockedBy", "isDrifted", "workerPool", "blocker", "createdAt", "vendor" })
        {
            Assert.That(stack.GetProperty(name).ValueKind, Is.EqualTo(JsonValueKind.Null), name);
        }

        Assert.That(stack.GetProperty("isDisabled").GetBoolean(), Is.False);
        Assert.That(stack.GetProperty("labels").GetArrayLength(), Is.Zero);
        Assert.That(stack.GetProperty("state").GetString(), Is.EqualTo("NONE"));
    }

    public static IEnumerable<TestCaseData> Vendors()
    {
        yield return new TestCaseData(FakeVendorConfig.Terraform("1.5.7"), "terraform");
        yield return new TestCaseData(FakeVendorConfig.OpenTofu("1.8.0"), "opentofu");
        yield return new TestCaseData(FakeVendorConfig.Terragrunt("1.5.7", "0.55.0"), "terragrunt");
        yield return new TestCaseData(FakeVendorConfig.Pulumi("s3://state", "prod"), "pulumi");
        yield return new TestCaseData(FakeVendorConfig.CloudFormation("eu-west-1", "network"), "cloudformation");
        yield return new TestCaseData(FakeVendorConfig.Kubernetes("default", "1.30"), "kubernetes");
        yield return new TestCaseData(FakeVendorConfig.Ansible("site.yml"), "ansible");
    }

    [TestCaseSource(nameof(Vendors))]
    public async Task Details_Vendor_ShortName(FakeVendorConfig vendor, string expected)
    {
        _spacelift.Data.UpdateStack(StackId, stack => stack.VendorConfig = vendor);

        var (_, stack) = await HttpJson.GetAsync(_client, $"/api/spacelift-io/stacks/{StackId}");

        Assert.That(stack.GetProperty("vendor").GetString(), Is.EqualTo(expected));
    }

    [Test]
    public void Vendor_UnknownType_PassedThrough() =>
        Assert.That(StackVendor.Name("StackConfigVendorFutureTool"), Is.EqualTo("StackConfigVendorFutureTool"));

    [Test]
    public void Vendor_NoConfiguration_Null() =>
        Assert.That(StackVendor.Name(null), Is.Null);

    [TestCase(1_700_000_000L, "2023-11-14T22:13:20Z")]
    [TestCase(1_700_000_000_250L, "2023-11-14T22:13:20.25Z")]
    [TestCase(1_700_000_000_000_000_000L, "2023-11-14T22:13:20Z")]
    public async Task Details_CreatedAtInAnyUnit_IsIsoUtc(long value, string expected)
    {
        _spacelift.Data.UpdateStack(StackId, stack => stack.CreatedAt = value);

        var (_, stack) = await HttpJson.GetAsync(_client, $"/api/spacelift-io/stacks/{StackId}");

        Assert.That(stack.GetProperty("createdAt").GetString(), Is.EqualTo(expected));
    }

    [Test]
    public async Task Details_UnknownStack_Answers404()
    {
        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks/no-such-stack");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(HttpJson.Error(body), Does.Contain("no-such-stack"));
    }

    [TestCase("/api/spacelift-io/stacks/a%20b")]
    [TestCase("/api/spacelift-io/stacks/a%2Fb")]
    [TestCase("/api/spacelift/stacks/st%C3%BCck")]
    public async Task Details_InvalidStackId_Answers400(string path)
    {
        var (response, body) = await HttpJson.GetAsync(_client, path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("stack id"));
        Assert.That(_spacelift.Requests.Total, Is.Zero);
    }

    [Test]
    public async Task Details_SecondRead_ServedFromCache()
    {
        var (first, _) = await HttpJson.GetAsync(_client, $"/api/spacelift-io/stacks/{StackId}");
        var (second, _) = await HttpJson.GetAsync(_client, $"/api/spacelift-io/stacks/{StackId}");

        Assert.That(first.Headers.GetValues("Cache-Status").Single(), Is.EqualTo("spacelift-proxy; fwd=miss"));
        Assert.That(second.Headers.GetValues("Cache-Status").Single(), Is.EqualTo("spacelift-proxy; hit"));
        Assert.That(_spacelift.Requests.Count("GetStack"), Is.EqualTo(1));
    }
}
