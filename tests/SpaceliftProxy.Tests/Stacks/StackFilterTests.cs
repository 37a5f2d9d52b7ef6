using System.Net;
using System.Text.Json;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Stacks;

/// <summary>Filters on the stack list, applied to the cached list without further Spacelift calls.</summary>
public sealed class StackFilterTests
{
    private const string PaymentsSpace = "payments-01HQAK2RM0FQD5NQXCEB9MQTGP";

    private FakeSpaceliftServer _spacelift = null!;
    private ProxyFactory _proxy = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync().WaitAsync(HttpJson.Timeout);
        _spacelift.Data.ClearStacks();
        _spacelift.Data.UpsertSpace(new FakeSpace { Id = "root", Name = "root" });
        _spacelift.Data.UpsertSpace(new FakeSpace { Id = PaymentsSpace, Name = "Payments" });
        AddStack("payments-api-prod", "Payments API", "Aurora and queues.", ["team:payments", "env:prod"], "FINISHED", PaymentsSpace);
        AddStack("payments-api-dev", "Payments API (dev)", null, ["team:payments", "env:dev"], "FAILED", PaymentsSpace);
        AddStack("network-prod", "Network", "VPCs for the Zürich region.", ["team:platform", "env:prod"], "UNCONFIRMED", "root");
        AddStack("dns", "DNS zones", "", [], "NONE", "root");

        _proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Cache:StacksTtl"] = "00:05:00");
        _client = _proxy.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
        await _spacelift.DisposeAsync();
    }

    [TestCase("")]
    [TestCase("?q=")]
    [TestCase("?q=%20%20&space=&label=")]
    public async Task List_NoFilter_ReturnsEveryStack(string query)
    {
        var ids = await IdsAsync("/api/spacelift-io/stacks" + query);

        Assert.That(ids, Is.EqualTo(new[] { "dns", "network-prod", "payments-api-dev", "payments-api-prod" }));
    }

    [TestCase("?space=" + PaymentsSpace, TestName = "List_SpaceById_Filters")]
    [TestCase("?space=Payments", TestName = "List_SpaceByName_Filters")]
    [TestCase("?space=payments", TestName = "List_SpaceByNameInOtherCase_Filters")]
    public async Task List_Space(string query)
    {
        var ids = await IdsAsync("/api/spacelift-io/stacks" + query);

        Assert.That(ids, Is.EqualTo(new[] { "payments-api-dev", "payments-api-prod" }));
    }

    [Test]
    public async Task List_OneLabel_Filters() =>
        Assert.That(await IdsAsync("/api/spacelift-io/stacks?label=env:prod"), Is.EqualTo(new[] { "network-prod", "payments-api-prod" }));

    [Test]
    public async Task List_TwoLabels_AllMustMatch() =>
        Assert.That(await IdsAsync("/api/spacelift-io/stacks?label=env:prod&label=team:payments"), Is.EqualTo(new[] { "payments-api-prod" }));

    [Test]
    public async Task List_LabelInOtherCase_NoMatch() =>
        Assert.That(await IdsAsync("/api/spacelift-io/stacks?label=ENV:PROD"), Is.Empty);

    [Test]
    public async Task List_OneState_Filters() =>
        Assert.That(await IdsAsync("/api/spacelift-io/stacks?state=FAILED"), Is.EqualTo(new[] { "payments-api-dev" }));

    [Test]
    public async Task List_TwoStates_AnyMatches() =>
        Assert.That(await IdsAsync("/api/spacelift-io/stacks?state=failed&state=UNCONFIRMED"), Is.EqualTo(new[] { "network-prod", "payments-api-dev" }));

    [Test]
    public async Task List_TextInName_Filters() =>
        Assert.That(await IdsAsync("/api/spacelift-io/stacks?q=payments%20api"), Is.EqualTo(new[] { "payments-api-dev", "payments-api-prod" }));

    [Test]
    public async Task List_TextInDescription_Filters() =>
        Assert.That(await IdsAsync("/api/spacelift-io/stacks?q=AURORA"), Is.EqualTo(new[] { "payments-api-prod" }));

    [Test]
    public async Task List_NonAsciiTextInOtherCase_Filters() =>
        Assert.That(await IdsAsync("/api/spacelift-io/stacks?q=" + Uri.EscapeDataString("ZÜRICH")), Is.EqualTo(new[] { "network-prod" }));

    [Test]
    public async Task List_AllFilters_Combined() =>
        Assert.That(
            await IdsAsync("/api/spacelift-io/stacks?space=Payments&label=team:payments&state=FINISHED&state=FAILED&q=dev"),
            Is.EqualTo(new[] { "payments-api-dev" }));

    [Test]
    public async Task List_NothingMatches_EmptyArray()
    {
        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks?label=no-such-label");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(body.GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task List_ManyFilters_OneSpaceliftCall()
    {
        await IdsAsync("/api/spacelift-io/stacks");
        await IdsAsync("/api/spacelift-io/stacks?state=FAILED");
        await IdsAsync("/api/spacelift/stacks?label=env:prod&q=net");

        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(1));
    }

    [Test]
    public async Task List_Filtered_KeepsContractFields()
    {
        var (_, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks?state=FINISHED");

        Assert.That(
            body[0].EnumerateObject().Select(property => property.Name),
            Is.EqualTo(new[] { "id", "name", "description", "labels", "state", "branch", "spaceDetails" }));
    }

    private async Task<List<string?>> IdsAsync(string path)
    {
        var (response, body) = await HttpJson.GetAsync(_client, path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), path);

        return [.. body.EnumerateArray().Select(stack => stack.GetProperty("id").GetString()).Order(StringComparer.Ordinal)];
    }

    private void AddStack(string id, string name, string? description, string[] labels, string state, string space) =>
        _spacelift.Data.AddStack(new FakeStack
        {
            Id = id,
            Name = name,
            Description = description,
            Labels = labels,
            State = state,
            Space = space,
            Repository = "infra",
        });
}
