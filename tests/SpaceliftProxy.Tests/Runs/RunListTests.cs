using System.Net;
using System.Text.Json;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Runs;

/// <summary>
/// A stack's runs: fields, Spacelift's cursor followed across its pages (3 runs each here), the
/// <c>before</c> cursor and the checks on <c>limit</c> and <c>before</c>.
/// </summary>
public sealed class RunListTests
{
    private const string StackId = "network-prod";
    private const string RunsPath = "/api/spacelift-io/stacks/" + StackId + "/runs";

    private FakeSpaceliftServer _spacelift = null!;
    private ProxyFactory _proxy = null!;
    private HttpClient _client = null!;
    private IReadOnlyList<string> _runIds = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync(new FakeSpaceliftOptions { RunsPageSize = 3 }).WaitAsync(HttpJson.Timeout);
        _runIds = TestStacks.AddWithRuns(_spacelift, StackId, trackedRuns: 8, proposedRuns: 2);

        // A zero lifetime makes every request ask Spacelift, so request counts show the paging.
        _proxy = ProxyFactory.For(_spacelift, configure: settings => settings["Cache:RunsTtl"] = "00:00:00");
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
    public async Task Runs_BothBasePaths_ReturnPage(string basePath)
    {
        var (response, body) = await HttpJson.GetAsync(_client, $"{basePath}/stacks/{StackId}/runs");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.EnumerateObject().Select(property => property.Name), Is.EqualTo(new[] { "runs", "nextBefore" }));
    }

    [Test]
    public async Task Runs_NewestRun_HasEveryField()
    {
        var (_, body) = await HttpJson.GetAsync(_client, RunsPath + "?limit=1");

        var run = body.GetProperty("runs")[0];
        Assert.That(run.EnumerateObject().Select(property => property.Name), Is.EqualTo(new[]
        {
            "id", "state", "type", "createdAt", "updatedAt", "triggeredBy", "branch", "title", "commit", "delta", "finished", "url",
        }));
        Assert.That(run.GetProperty("id").GetString(), Is.EqualTo(TestStacks.TrackedRunId(0)));
        Assert.That(run.GetProperty("state").GetString(), Is.EqualTo("FINISHED"));
        Assert.That(run.GetProperty("type").GetString(), Is.EqualTo("TRACKED"));
        Assert.That(run.GetProperty("createdAt").GetString(), Is.EqualTo("2026-01-01T12:00:00Z"));
        Assert.That(run.GetProperty("updatedAt").GetString(), Is.EqualTo("2026-01-01T12:05:00Z"));
        Assert.That(run.GetProperty("triggeredBy").GetString(), Is.EqualTo("marta.nowak"));
        Assert.That(run.GetProperty("branch").GetString(), Is.EqualTo("main"));
        Assert.That(run.GetProperty("title").GetString(), Is.EqualTo("Run " + TestStacks.TrackedRunId(0)));
        Assert.That(run.GetProperty("finished").GetBoolean(), Is.True);
        Assert.That(run.GetProperty("url").GetString(), Is.EqualTo($"{_spacelift.BaseAddress}stack/{StackId}/run/{TestStacks.TrackedRunId(0)}"));

        var commit = run.GetProperty("commit");
        Assert.That(commit.EnumerateObject().Select(property => property.Name), Is.EqualTo(new[] { "hash", "message", "author", "url" }));
        Assert.That(commit.GetProperty("hash").GetString(), Is.EqualTo("4b825dc642cb6eb9a060e54bf8d69288fbee4904"));
        Assert.That(commit.GetProperty("message").GetString(), Is.EqualTo("Run " + TestStacks.TrackedRunId(0)));
        Assert.That(commit.GetProperty("author").GetString(), Is.EqualTo("Marta Nowak"));
        Assert.That(commit.GetProperty("url").GetString(), Is.EqualTo("https://github.com/acme/infra/commit/4b825dc"));

        var delta = run.GetProperty("delta");
        Assert.That(delta.EnumerateObject().Select(property => property.Name), Is.EqualTo(new[] { "addCount", "changeCount", "deleteCount", "resources" }));
        Assert.That(delta.GetProperty("addCount").GetInt32(), Is.EqualTo(1));
        Assert.That(delta.GetProperty("changeCount").GetInt32(), Is.EqualTo(2));
        Assert.That(delta.GetProperty("deleteCount").GetInt32(), Is.EqualTo(3));
        Assert.That(delta.GetProperty("resources").GetInt32(), Is.EqualTo(40));
    }

    [Test]
    public async Task Runs_MissingOptionalFields_AreNull()
    {
        _spacelift.Data.UpdateRun(StackId, TestStacks.TrackedRunId(0), run =>
        {
            run.Delta = null;
            run.Commit = null;
            run.TriggeredBy = "";
            run.UpdatedAt = null;
            run.Finished = null;
            run.State = "FAILED";
        });

        var (_, body) = await HttpJson.GetAsync(_client, RunsPath + "?limit=1");

        var run = body.GetProperty("runs")[0];
        Assert.That(run.GetProperty("delta").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(run.GetProperty("commit").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(run.GetProperty("triggeredBy").ValueKind, Is.EqualTo(JsonValueKind.Null), "Spacelift sends an empty string for a Git push");
        Assert.That(run.GetProperty("updatedAt").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(run.GetProperty("finished").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(run.GetProperty("state").GetString(), Is.EqualTo("FAILED"));
    }

    [Test]
    public async Task Runs_AuthorWithoutName_ShowsLogin()
    {
        _spacelift.Data.UpdateRun(StackId, TestStacks.TrackedRunId(0), run => run.Commit!.AuthorName = null);

        var (_, body) = await HttpJson.GetAsync(_client, RunsPath + "?limit=1");

        Assert.That(body.GetProperty("runs")[0].GetProperty("commit").GetProperty("author").GetString(), Is.EqualTo("mnowak"));
    }

    [TestCase(1_767_268_800L, "2026-01-01T12:00:00Z")]
    [TestCase(1_767_268_800_123L, "2026-01-01T12:00:00.123Z")]
    [TestCase(1_767_268_800_123_456_700L, "2026-01-01T12:00:00.1234567Z")]
    public async Task Runs_TimeInAnyUnit_IsIsoUtc(long value, string expected)
    {
        _spacelift.Data.UpdateRun(StackId, TestStacks.TrackedRunId(0), run =>
        {
            run.CreatedAt = value;
            run.UpdatedAt = value;
        });

        var (_, body) = await HttpJson.GetAsync(_client, RunsPath + "?limit=1");

        var run = body.GetProperty("runs")[0];
        Assert.That(run.GetProperty("createdAt").GetString(), Is.EqualTo(expected));
        Assert.That(run.GetProperty("updatedAt").GetString(), Is.EqualTo(expected));
    }

    [Test]
    public async Task Runs_DefaultLimit_ReadsEveryPage()
    {
        var (response, body) = await HttpJson.GetAsync(_client, RunsPath);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Ids(body), Is.EqualTo(_runIds), "tracked runs only, newest first");
        Assert.That(body.GetProperty("nextBefore").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(_spacelift.Requests.Count("ListRuns"), Is.EqualTo(4), "pages of 3, 3 and 2, then an empty page");
    }

    [Test]
    public async Task Runs_LimitWithinSecondPage_StopsThere()
    {
        var (_, body) = await HttpJson.GetAsync(_client, RunsPath + "?limit=5");

        Assert.That(Ids(body), Is.EqualTo(_runIds.Take(5)));
        Assert.That(body.GetProperty("nextBefore").GetString(), Is.EqualTo(_runIds[4]));
        Assert.That(_spacelift.Requests.Count("ListRuns"), Is.EqualTo(2));
    }

    [Test]
    public async Task Runs_NextBefore_ContinuesWhereThePageEnded()
    {
        var (_, first) = await HttpJson.GetAsync(_client, RunsPath + "?limit=5");

        var (_, second) = await HttpJson.GetAsync(_client, $"{RunsPath}?limit=5&before={first.GetProperty("nextBefore").GetString()}");

        Assert.That(Ids(second), Is.EqualTo(_runIds.Skip(5)));
        Assert.That(second.GetProperty("nextBefore").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task Runs_LimitEqualsRunCount_OffersCursor()
    {
        var (_, first) = await HttpJson.GetAsync(_client, RunsPath + "?limit=8");

        Assert.That(Ids(first), Is.EqualTo(_runIds));
        Assert.That(first.GetProperty("nextBefore").GetString(), Is.EqualTo(_runIds[7]), "more may follow until Spacelift returns an empty page");

        var (_, second) = await HttpJson.GetAsync(_client, $"{RunsPath}?before={_runIds[7]}");

        Assert.That(Ids(second), Is.Empty);
        Assert.That(second.GetProperty("nextBefore").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task Runs_BeforeMidPage_ReturnsOlderRuns()
    {
        var (_, body) = await HttpJson.GetAsync(_client, $"{RunsPath}?limit=2&before={_runIds[1]}");

        Assert.That(Ids(body), Is.EqualTo(new[] { _runIds[2], _runIds[3] }));
        Assert.That(body.GetProperty("nextBefore").GetString(), Is.EqualTo(_runIds[3]));
    }

    [TestCase(1)]
    [TestCase(100)]
    public async Task Runs_LimitAtBounds_Accepted(int limit)
    {
        var (response, body) = await HttpJson.GetAsync(_client, $"{RunsPath}?limit={limit}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Ids(body), Has.Count.EqualTo(Math.Min(limit, _runIds.Count)));
    }

    [TestCase("0")]
    [TestCase("101")]
    [TestCase("-1")]
    [TestCase("abc")]
    [TestCase("1.5")]
    [TestCase("")]
    [TestCase("99999999999")]
    public async Task Runs_InvalidLimit_Answers400(string limit)
    {
        var (response, body) = await HttpJson.GetAsync(_client, $"{RunsPath}?limit={Uri.EscapeDataString(limit)}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("'limit'").And.Contain("1 to 100"));
        Assert.That(_spacelift.Requests.Count("ListRuns"), Is.Zero);
    }

    [TestCase("a b")]
    [TestCase("a/b")]
    [TestCase("")]
    [TestCase("run\"}")]
    public async Task Runs_InvalidBefore_Answers400(string before)
    {
        var (response, body) = await HttpJson.GetAsync(_client, $"{RunsPath}?before={Uri.EscapeDataString(before)}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("'before'"));
        Assert.That(_spacelift.Requests.Count("ListRuns"), Is.Zero);
    }

    [Test]
    public async Task Runs_BeforeOf256Characters_Answers400()
    {
        var (response, _) = await HttpJson.GetAsync(_client, $"{RunsPath}?before={new string('a', 256)}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Runs_StuckCursor_Stops()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.StuckRunsCursor, "ListRuns"));

        var (response, body) = await HttpJson.GetAsync(_client, RunsPath + "?limit=10");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Ids(body), Is.EqualTo(_runIds.Take(3)), "each run once, although Spacelift repeated them");
        Assert.That(body.GetProperty("nextBefore").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(_spacelift.Requests.Count("ListRuns"), Is.EqualTo(2));
    }

    [Test]
    public async Task Runs_StackWithoutRuns_EmptyPage()
    {
        TestStacks.AddWithRuns(_spacelift, "empty-stack", trackedRuns: 0);

        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks/empty-stack/runs");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Ids(body), Is.Empty);
        Assert.That(body.GetProperty("nextBefore").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task Runs_UnknownStack_Answers404()
    {
        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks/no-such-stack/runs");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(HttpJson.Error(body), Does.Contain("no-such-stack"));
    }

    [TestCase("/api/spacelift-io/stacks/a%20b/runs")]
    [TestCase("/api/spacelift-io/stacks/st%C3%BCck/runs")]
    public async Task Runs_InvalidStackId_Answers400(string path)
    {
        var (response, body) = await HttpJson.GetAsync(_client, path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("stack id"));
        Assert.That(_spacelift.Requests.Total, Is.Zero);
    }

    [Test]
    public async Task Runs_EmptyStackId_Answers400()
    {
        var (response, body) = await HttpJson.GetAsync(_client, "/api/spacelift-io/stacks//runs");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(HttpJson.Error(body), Does.Contain("stack id"));
    }

    [Test]
    public async Task Runs_SpaceliftFails_Answers502()
    {
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.ServerError, "ListRuns"));

        var (response, body) = await HttpJson.GetAsync(_client, RunsPath);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(HttpJson.Error(body), Does.Contain("ListRuns"));
    }

    private static List<string?> Ids(JsonElement page) =>
        [.. page.GetProperty("runs").EnumerateArray().Select(run => run.GetProperty("id").GetString())];
}
