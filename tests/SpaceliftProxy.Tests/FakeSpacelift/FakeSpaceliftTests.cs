using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SpaceliftProxy.FakeSpacelift;

namespace SpaceliftProxy.Tests.FakeSpacelift;

/// <summary>
/// Black-box tests of the Spacelift stand-in over real HTTP. Each test starts its own server, so
/// fault rules and data changes never leak between tests.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class FakeSpaceliftTests
{
    private const string PaymentsStack = "payments-api-prod";

    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(15);

    private readonly List<FakeSpaceliftServer> _servers = [];
    private readonly List<HttpClient> _clients = [];

    [TearDown]
    public async Task TearDown()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var server in _servers)
        {
            await server.DisposeAsync().AsTask().WaitAsync(StepTimeout);
        }
    }

    // Token exchange

    [Test]
    public async Task TokenExchange_GoodKey_ReturnsJwt()
    {
        var (server, client) = await StartAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var response = await ExchangeAsync(client, server.Options.ApiKeyId, server.Options.ApiKeySecret);

        Assert.That(response["errors"], Is.Null);
        var user = response["data"]!["apiKeyUser"]!;
        var jwt = user["jwt"]!.GetValue<string>();
        var validUntil = user["validUntil"]!.GetValue<long>();
        var parts = jwt.Split('.');
        Assert.That(parts, Has.Length.EqualTo(3));

        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;
        Assert.That(payload["sub"]!.GetValue<string>(), Is.EqualTo(server.Options.ApiKeyId));
        Assert.That(payload["iss"]!.GetValue<string>(), Is.EqualTo("api-key"));
        Assert.That(payload["exp"]!.GetValue<long>(), Is.EqualTo(validUntil));
        Assert.That(payload["iat"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(before));
        Assert.That(payload["IsMachineUser"]!.GetValue<bool>(), Is.True);
        Assert.That(payload["aud"]![0]!.GetValue<string>(), Is.EqualTo(server.BaseAddress.GetLeftPart(UriPartial.Authority)));
        Assert.That(validUntil, Is.InRange(before + 3600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3601));
        Assert.That(server.Requests.TokensIssued, Is.EqualTo(1));
    }

    [Test]
    public async Task TokenExchange_WrongKeyId_NullWithoutErrors()
    {
        var (server, client) = await StartAsync();

        var response = await ExchangeAsync(client, "01HQWRONGKEY00000000000000", server.Options.ApiKeySecret);

        Assert.That(response["errors"], Is.Null);
        Assert.That(response["data"]!.AsObject().ContainsKey("apiKeyUser"), Is.True);
        Assert.That(response["data"]!["apiKeyUser"], Is.Null);
        Assert.That(server.Requests.TokensIssued, Is.Zero);
    }

    [Test]
    public async Task TokenExchange_WrongSecret_NullWithUnauthorized()
    {
        var (server, client) = await StartAsync();

        var response = await ExchangeAsync(client, server.Options.ApiKeyId, "not-the-secret");

        Assert.That(response["data"]!["apiKeyUser"], Is.Null);
        Assert.That(ErrorMessage(response), Is.EqualTo("unauthorized"));
        Assert.That(response["errors"]![0]!["path"]![0]!.GetValue<string>(), Is.EqualTo("apiKeyUser"));
        Assert.That(response["errors"]![0]!.AsObject().ContainsKey("extensions"), Is.False);
    }

    // Operation documents

    [TestCaseSource(nameof(OperationFiles))]
    public async Task Operation_ValidToken_ExecutesWithoutErrors(string fileName)
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        var query = await File.ReadAllTextAsync(Path.Combine(OperationsDirectory(), fileName)).WaitAsync(StepTimeout);
        var variables = VariablesFor(Path.GetFileNameWithoutExtension(fileName), server);

        var response = await PostAsync(client, query, variables, token: token);

        Assert.That(response["errors"], Is.Null, response.ToJsonString());
        var data = response["data"]!.AsObject();
        Assert.That(data, Has.Count.EqualTo(1));
        Assert.That(data.First().Value, Is.Not.Null, response.ToJsonString());
    }

    [Test]
    public void OperationFiles_Found()
    {
        Assert.That(OperationFiles(), Has.Length.GreaterThanOrEqualTo(10));
    }

    // Strict parsing and validation

    [Test]
    public async Task Query_UnknownField_Rejected()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        var response = await PostAsync(client, "query ListStacks { stacks { id notAField } }", token: token);

        Assert.That(response["data"], Is.Null);
        Assert.That(ErrorMessages(response).Single(), Does.Contain("notAField"));
    }

    [Test]
    public async Task Query_EmptyVariableList_Rejected()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        var response = await PostAsync(client, "query ListStacks () { stacks { id } }", token: token);

        Assert.That(response["data"], Is.Null);
        Assert.That(ErrorMessages(response), Is.Not.Empty);
    }

    [Test]
    public async Task Query_WrongVariableType_Rejected()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        var response = await PostAsync(
            client,
            "query GetStack($id: Int!) { stack(id: $id) { id } }",
            new JsonObject { ["id"] = 1 },
            token: token);

        Assert.That(response["data"], Is.Null);
        Assert.That(ErrorMessages(response).Single(), Does.Contain("$id"));
    }

    [Test]
    public async Task VendorConfig_Union_ResolvesTypename()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        server.Data.UpdateStack(PaymentsStack, stack => stack.VendorConfig = FakeVendorConfig.Terraform("1.5.7", "blue"));

        var response = await PostAsync(
            client,
            """
            query GetStack($id: ID!) {
              stack(id: $id) {
                vendorConfig { __typename ... on StackConfigVendorTerraform { version workspace } }
              }
            }
            """,
            new JsonObject { ["id"] = PaymentsStack },
            token: token);

        Assert.That(response["errors"], Is.Null, response.ToJsonString());
        var vendor = response["data"]!["stack"]!["vendorConfig"]!;
        Assert.That(vendor["__typename"]!.GetValue<string>(), Is.EqualTo("StackConfigVendorTerraform"));
        Assert.That(vendor["version"]!.GetValue<string>(), Is.EqualTo("1.5.7"));
        Assert.That(vendor["workspace"]!.GetValue<string>(), Is.EqualTo("blue"));
    }

    // Anonymous, expired and revoked tokens

    [Test]
    public async Task ExpiredToken_StacksUnauthorized_SearchEmpty()
    {
        var (server, client) = await StartAsync(new FakeSpaceliftOptions { TokenLifetime = TimeSpan.FromSeconds(2) });
        var exchange = await ExchangeAsync(client, server.Options.ApiKeyId, server.Options.ApiKeySecret);
        var token = exchange["data"]!["apiKeyUser"]!["jwt"]!.GetValue<string>();
        var validUntil = exchange["data"]!["apiKeyUser"]!["validUntil"]!.GetValue<long>();

        var fresh = await PostAsync(client, "query ListStacks { stacks { id } }", token: token);
        Assert.That(fresh["errors"], Is.Null);

        var wait = DateTimeOffset.FromUnixTimeSeconds(validUntil) - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait).WaitAsync(StepTimeout);
        }

        var stacks = await PostAsync(client, "query ListStacks { stacks { id } }", token: token);
        Assert.That(stacks["data"], Is.Null);
        Assert.That(ErrorMessage(stacks), Is.EqualTo("unauthorized"));
        Assert.That(stacks["errors"]![0]!["path"]![0]!.GetValue<string>(), Is.EqualTo("stacks"));

        var search = await PostAsync(client, Operation("SearchStacks"), new JsonObject { ["input"] = new JsonObject() }, token: token);
        Assert.That(search["errors"], Is.Null);
        Assert.That(search["data"]!["searchStacks"]!["edges"]!.AsArray(), Is.Empty);
        Assert.That(search["data"]!["searchStacks"]!["pageInfo"]!["hasNextPage"]!.GetValue<bool>(), Is.False);

        var viewer = await PostAsync(client, Operation("GetViewer"), token: token);
        Assert.That(viewer["errors"], Is.Null);
        Assert.That(viewer["data"]!["viewer"], Is.Null);
    }

    [Test]
    public async Task MissingToken_StackAndMutationsUnauthorized()
    {
        var (_, client) = await StartAsync();

        var stack = await PostAsync(client, Operation("GetStack"), new JsonObject { ["id"] = PaymentsStack });
        var trigger = await PostAsync(client, Operation("TriggerRun"), new JsonObject { ["stack"] = PaymentsStack });

        Assert.That(stack["data"]!["stack"], Is.Null);
        Assert.That(ErrorMessage(stack), Is.EqualTo("unauthorized"));
        Assert.That(trigger["data"], Is.Null);
        Assert.That(ErrorMessage(trigger), Is.EqualTo("unauthorized"));
    }

    [Test]
    public async Task RevokedToken_TreatedAsAnonymous()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        server.Faults.RevokeTokens();
        var response = await PostAsync(client, "query ListStacks { stacks { id } }", token: token);

        Assert.That(ErrorMessage(response), Is.EqualTo("unauthorized"));
    }

    // Paging

    [Test]
    public async Task SearchStacks_Pages_CoverEveryStackOnce()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        var seen = new List<string>();
        var pageSizes = new List<int>();
        string? cursor = null;

        for (var page = 0; page < 10; page++)
        {
            var input = new JsonObject { ["first"] = 10, ["after"] = cursor };
            var response = await PostAsync(client, Operation("SearchStacks"), new JsonObject { ["input"] = input }, token: token);
            Assert.That(response["errors"], Is.Null, response.ToJsonString());

            var connection = response["data"]!["searchStacks"]!;
            var ids = connection["edges"]!.AsArray().Select(edge => edge!["node"]!["id"]!.GetValue<string>()).ToList();
            seen.AddRange(ids);
            pageSizes.Add(ids.Count);
            if (!connection["pageInfo"]!["hasNextPage"]!.GetValue<bool>())
            {
                break;
            }

            cursor = connection["pageInfo"]!["endCursor"]!.GetValue<string>();
        }

        Assert.That(string.Join(",", pageSizes), Is.EqualTo("10,10,4"));
        Assert.That(seen, Is.EqualTo(server.Data.Stacks.Select(stack => stack.Id).ToList()));
    }

    [Test]
    public async Task SearchStacks_FirstAbove50_Capped()
    {
        var (server, client) = await StartAsync(new FakeSpaceliftOptions { StackCount = 60 });
        var token = await GetTokenAsync(server, client);

        var response = await PostAsync(
            client,
            Operation("SearchStacks"),
            new JsonObject { ["input"] = new JsonObject { ["first"] = 500 } },
            token: token);

        Assert.That(response["data"]!["searchStacks"]!["edges"]!.AsArray(), Has.Count.EqualTo(50));
        Assert.That(response["data"]!["searchStacks"]!["pageInfo"]!["hasNextPage"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task SearchStacks_LabelPredicate_Filters()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        var predicate = new JsonObject
        {
            ["field"] = "label",
            ["constraint"] = new JsonObject { ["stringMatches"] = new JsonArray("team:payments") },
        };

        var response = await PostAsync(
            client,
            Operation("SearchStacks"),
            new JsonObject { ["input"] = new JsonObject { ["predicates"] = new JsonArray(predicate) } },
            token: token);

        var ids = response["data"]!["searchStacks"]!["edges"]!.AsArray().Select(edge => edge!["node"]!["id"]!.GetValue<string>()).ToList();
        var expected = server.Data.Stacks.Where(stack => stack.Labels.Contains("team:payments")).Select(stack => stack.Id).ToList();
        Assert.That(ids, Is.EqualTo(expected));
        Assert.That(ids, Does.Contain(PaymentsStack));
    }

    [Test]
    public async Task SearchStacks_InvalidCursor_Rejected()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        var response = await PostAsync(
            client,
            Operation("SearchStacks"),
            new JsonObject { ["input"] = new JsonObject { ["after"] = "not-a-cursor" } },
            token: token);

        Assert.That(response["data"], Is.Null);
        Assert.That(ErrorMessage(response), Is.EqualTo("invalid cursor"));
    }

    [Test]
    public async Task ListRuns_Before_PagesTrackedRunsNewestFirst()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        var expected = server.Data.GetRuns(PaymentsStack).Where(run => run.Type == "TRACKED").Select(run => run.Id).ToList();
        var seen = new List<string>();
        var createdAt = new List<long>();
        string? before = null;

        while (true)
        {
            var response = await PostAsync(client, Operation("ListRuns"), new JsonObject { ["stack"] = PaymentsStack, ["before"] = before }, token: token);
            Assert.That(response["errors"], Is.Null, response.ToJsonString());

            var runs = response["data"]!["stack"]!["runs"]!.AsArray();
            Assert.That(runs, Has.Count.LessThanOrEqualTo(10));
            Assert.That(runs.Select(run => run!["type"]!.GetValue<string>()), Is.All.EqualTo("TRACKED"));
            if (runs.Count == 0)
            {
                break;
            }

            seen.AddRange(runs.Select(run => run!["id"]!.GetValue<string>()));
            createdAt.AddRange(runs.Select(run => run!["createdAt"]!.GetValue<long>()));
            before = seen[^1];
        }

        Assert.That(expected, Has.Count.GreaterThan(20));
        Assert.That(seen, Is.EqualTo(expected));
        Assert.That(createdAt, Is.Ordered.Descending);
    }

    [Test]
    public async Task ListRuns_UnknownBefore_Empty()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        var response = await PostAsync(
            client,
            Operation("ListRuns"),
            new JsonObject { ["stack"] = PaymentsStack, ["before"] = "01HQNOSUCHRUN0000000000000" },
            token: token);

        Assert.That(response["errors"], Is.Null);
        Assert.That(response["data"]!["stack"]!["runs"]!.AsArray(), Is.Empty);
    }

    [TestCase(1_767_225_600L)]
    [TestCase(1_767_225_600_123L)]
    [TestCase(1_767_225_600_123_456_789L)]
    public async Task ListRuns_Timestamps_Served64Bit(long createdAt)
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        var newest = server.Data.GetRuns(PaymentsStack).First(run => run.Type == "TRACKED");
        server.Data.UpdateRun(PaymentsStack, newest.Id, run =>
        {
            run.CreatedAt = createdAt;
            run.UpdatedAt = createdAt;
        });

        var response = await PostAsync(client, Operation("ListRuns"), new JsonObject { ["stack"] = PaymentsStack }, token: token);

        Assert.That(response["errors"], Is.Null, response.ToJsonString());
        var run = response["data"]!["stack"]!["runs"]![0]!;
        Assert.That(run["createdAt"]!.GetValue<long>(), Is.EqualTo(createdAt));
        Assert.That(run["updatedAt"]!.GetValue<long>(), Is.EqualTo(createdAt));
    }

    [Test]
    public async Task ListRuns_PageSizeOption_Applied()
    {
        var (server, client) = await StartAsync(new FakeSpaceliftOptions { RunsPageSize = 3 });
        var token = await GetTokenAsync(server, client);

        var response = await PostAsync(client, Operation("ListRuns"), new JsonObject { ["stack"] = PaymentsStack }, token: token);

        Assert.That(response["data"]!["stack"]!["runs"]!.AsArray(), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task GetStack_UnknownId_NullWithoutErrors()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        var stack = await PostAsync(client, Operation("GetStack"), new JsonObject { ["id"] = "no-such-stack" }, token: token);
        var run = await PostAsync(client, Operation("GetRun"), new JsonObject { ["stack"] = PaymentsStack, ["run"] = "01HQNOSUCHRUN0000000000000" }, token: token);

        Assert.That(stack["errors"], Is.Null);
        Assert.That(stack["data"]!["stack"], Is.Null);
        Assert.That(run["errors"], Is.Null);
        Assert.That(run["data"]!["stack"]!["run"], Is.Null);
    }

    // Run mutations

    [Test]
    public async Task TriggerRun_Tracked_QueuesRunAndPreparesStack()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        var stack = server.Data.GetStack(PaymentsStack)!;
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var response = await PostAsync(client, Operation("TriggerRun"), new JsonObject { ["stack"] = PaymentsStack }, token: token);

        Assert.That(response["errors"], Is.Null, response.ToJsonString());
        var created = response["data"]!["runTrigger"]!;
        var runId = created["id"]!.GetValue<string>();
        Assert.That(FakeIds.IsUlid(runId), Is.True, runId);
        Assert.That(created["state"]!.GetValue<string>(), Is.EqualTo("QUEUED"));
        Assert.That(created["type"]!.GetValue<string>(), Is.EqualTo("TRACKED"));
        Assert.That(created["createdAt"]!.GetValue<long>(), Is.InRange(before, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

        var run = server.Data.GetRun(PaymentsStack, runId)!;
        Assert.That(run.TriggeredBy, Is.EqualTo($"api::{server.Options.ApiKeyId}"));
        Assert.That(run.Branch, Is.EqualTo(stack.Branch));
        Assert.That(run.Commit!.Hash, Is.EqualTo(stack.TrackedCommit!.Hash));

        var list = await PostAsync(client, Operation("ListStacks"), token: token);
        var listed = list["data"]!["stacks"]!.AsArray().Single(node => node!["id"]!.GetValue<string>() == PaymentsStack)!;
        Assert.That(listed["state"]!.GetValue<string>(), Is.EqualTo("PREPARING"));
    }

    [Test]
    public async Task TriggerRun_ProposedWithSha_KeepsStackState()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        var stateBefore = server.Data.GetStack(PaymentsStack)!.State;
        var sha = new string('a', 40);

        var response = await PostAsync(
            client,
            Operation("TriggerRun"),
            new JsonObject { ["stack"] = PaymentsStack, ["commitSha"] = sha, ["runType"] = "PROPOSED" },
            token: token);

        Assert.That(response["errors"], Is.Null, response.ToJsonString());
        Assert.That(response["data"]!["runTrigger"]!["type"]!.GetValue<string>(), Is.EqualTo("PROPOSED"));
        var run = server.Data.GetRun(PaymentsStack, response["data"]!["runTrigger"]!["id"]!.GetValue<string>())!;
        Assert.That(run.Commit!.Hash, Is.EqualTo(sha));
        Assert.That(server.Data.GetStack(PaymentsStack)!.State, Is.EqualTo(stateBefore));
    }

    [Test]
    public async Task TriggerRun_UnknownStack_NotFound()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        var response = await PostAsync(client, Operation("TriggerRun"), new JsonObject { ["stack"] = "no-such-stack" }, token: token);

        Assert.That(response["data"], Is.Null);
        Assert.That(ErrorMessage(response), Is.EqualTo("not found"));
    }

    [TestCase("ConfirmRun", "runConfirm", "CONFIRMED")]
    [TestCase("DiscardRun", "runDiscard", "DISCARDED")]
    public async Task Confirmation_UnconfirmedRun_ChangesStateAndClearsBlocker(string operation, string field, string expectedState)
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        var stack = server.Data.Stacks.First(candidate => candidate.State == "UNCONFIRMED");
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var response = await PostAsync(client, Operation(operation), new JsonObject { ["stack"] = stack.Id, ["run"] = stack.BlockerRunId }, token: token);

        Assert.That(response["errors"], Is.Null, response.ToJsonString());
        var run = response["data"]![field]!;
        Assert.That(run["id"]!.GetValue<string>(), Is.EqualTo(stack.BlockerRunId));
        Assert.That(run["state"]!.GetValue<string>(), Is.EqualTo(expectedState));
        Assert.That(run["updatedAt"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(before));

        var after = await PostAsync(client, Operation("GetStack"), new JsonObject { ["id"] = stack.Id }, token: token);
        Assert.That(after["data"]!["stack"]!["state"]!.GetValue<string>(), Is.EqualTo(expectedState));
        Assert.That(after["data"]!["stack"]!["blocker"], Is.Null);
    }

    [TestCase("ConfirmRun", "confirmed")]
    [TestCase("DiscardRun", "discarded")]
    public async Task Confirmation_FinishedRun_Rejected(string operation, string verb)
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        var finished = server.Data.GetRuns(PaymentsStack)[0];
        Assert.That(finished.State, Is.EqualTo("FINISHED"));

        var response = await PostAsync(client, Operation(operation), new JsonObject { ["stack"] = PaymentsStack, ["run"] = finished.Id }, token: token);

        Assert.That(response["data"], Is.Null);
        Assert.That(ErrorMessage(response), Is.EqualTo($"run is in state FINISHED, only runs in state UNCONFIRMED can be {verb}"));
        Assert.That(server.Data.GetRun(PaymentsStack, finished.Id)!.State, Is.EqualTo("FINISHED"));
    }

    [Test]
    public async Task Confirmation_UnknownRun_NotFound()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        var unknownRun = await PostAsync(client, Operation("ConfirmRun"), new JsonObject { ["stack"] = PaymentsStack, ["run"] = "01HQNOSUCHRUN0000000000000" }, token: token);
        var unknownStack = await PostAsync(client, Operation("DiscardRun"), new JsonObject { ["stack"] = "no-such-stack", ["run"] = "01HQNOSUCHRUN0000000000000" }, token: token);

        Assert.That(ErrorMessage(unknownRun), Is.EqualTo("not found"));
        Assert.That(ErrorMessage(unknownStack), Is.EqualTo("not found"));
    }

    // Faults

    [Test]
    public async Task Fault_ServerError_AppliesTimesThenLapses()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        server.Faults.Add(new FakeFault(FakeFaultKind.ServerError, "ListStacks", Times: 1) { StatusCode = 503 });

        var failed = await SendAsync(client, Operation("ListStacks"), token: token);
        var later = await SendAsync(client, Operation("ListStacks"), token: token);

        Assert.That(failed.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(failed.Body, Is.Not.Empty);
        Assert.That(later.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(server.Faults.Rules, Is.Empty);
    }

    [Test]
    public async Task Fault_Operation_MatchesOnlyThatOperation()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        server.Faults.Add(new FakeFault(FakeFaultKind.ServerError, "ListStacks"));

        var viewer = await SendAsync(client, Operation("GetViewer"), token: token);
        var stacks = await SendAsync(client, Operation("ListStacks"), token: token);

        Assert.That(viewer.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(stacks.Status, Is.EqualTo(HttpStatusCode.InternalServerError));
    }

    [Test]
    public async Task Fault_RateLimited_SendsRetryAfter()
    {
        var (server, client) = await StartAsync();
        server.Faults.Add(new FakeFault(FakeFaultKind.RateLimited) { RetryAfter = TimeSpan.FromSeconds(2.5) });

        var response = await SendAsync(client, Operation("GetViewer"));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(response.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(3)));
    }

    [Test]
    public async Task Fault_Hang_DoesNotBlockShutdown()
    {
        var (server, client) = await StartAsync();
        server.Faults.Add(new FakeFault(FakeFaultKind.Hang));

        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        Assert.That(
            async () => await SendAsync(client, Operation("GetViewer"), cancellationToken: giveUp.Token),
            Throws.InstanceOf<OperationCanceledException>());

        // A second hanging request stays in flight while the server stops.
        var inFlight = SendAsync(client, Operation("GetViewer"));
        await Task.Delay(200).WaitAsync(StepTimeout);
        var stopwatch = Stopwatch.StartNew();
        await server.DisposeAsync().AsTask().WaitAsync(StepTimeout);
        stopwatch.Stop();

        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));
        Assert.That(async () => await inFlight.WaitAsync(StepTimeout), Throws.InstanceOf<HttpRequestException>());
    }

    [Test]
    public async Task Fault_InvalidJson_TruncatedBody()
    {
        var (server, client) = await StartAsync();
        server.Faults.Add(new FakeFault(FakeFaultKind.InvalidJson));

        var response = await SendAsync(client, Operation("GetViewer"));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.MediaType, Is.EqualTo("application/json"));
        Assert.That(() => JsonNode.Parse(response.Body), Throws.InstanceOf<JsonException>());
    }

    [Test]
    public async Task Fault_GraphQLError_DataNullWithMessage()
    {
        var (server, client) = await StartAsync();
        server.Faults.Add(new FakeFault(FakeFaultKind.GraphQLError, Times: 1));
        server.Faults.Add(new FakeFault(FakeFaultKind.GraphQLError) { Message = "boom" });

        var first = await PostAsync(client, Operation("GetViewer"));
        var second = await PostAsync(client, Operation("GetViewer"));

        Assert.That(first["data"], Is.Null);
        Assert.That(ErrorMessage(first), Is.EqualTo("internal error"));
        Assert.That(ErrorMessage(second), Is.EqualTo("boom"));
    }

    [Test]
    public async Task Fault_PartialData_NullsFirstDescription()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        server.Data.UpdateStack(server.Data.Stacks[0].Id, stack => stack.Description = "present");
        server.Faults.Add(new FakeFault(FakeFaultKind.PartialData, "ListStacks"));

        var response = await PostAsync(client, Operation("ListStacks"), token: token);

        var stacks = response["data"]!["stacks"]!.AsArray();
        Assert.That(stacks, Has.Count.EqualTo(24));
        Assert.That(stacks[0]!.AsObject().ContainsKey("description"), Is.True);
        Assert.That(stacks[0]!["description"], Is.Null);
        Assert.That(stacks[0]!["id"], Is.Not.Null);
        Assert.That(ErrorMessage(response), Is.EqualTo("internal error"));
        Assert.That(response["errors"]![0]!["path"]!.ToJsonString(), Is.EqualTo("""["stacks",0,"description"]"""));
    }

    [Test]
    public async Task Fault_PartialData_NullsFirstSearchNode()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        server.Faults.Add(new FakeFault(FakeFaultKind.PartialData, "SearchStacks"));

        var response = await PostAsync(client, Operation("SearchStacks"), new JsonObject { ["input"] = new JsonObject { ["first"] = 3 } }, token: token);

        var edges = response["data"]!["searchStacks"]!["edges"]!.AsArray();
        Assert.That(edges[0]!["node"], Is.Null);
        Assert.That(edges[1]!["node"], Is.Not.Null);
        Assert.That(response["errors"]![0]!["path"]!.ToJsonString(), Is.EqualTo("""["searchStacks","edges",0,"node"]"""));
    }

    [Test]
    public async Task Fault_MachineSessionGate_NullsRootField()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        server.Faults.Add(new FakeFault(FakeFaultKind.MachineSessionGate, "GetViewer"));

        var gated = await PostAsync(client, Operation("GetViewer"), token: token);
        var other = await PostAsync(client, Operation("ListStacks"), token: token);

        Assert.That(gated["data"]!["viewer"], Is.Null);
        Assert.That(ErrorMessage(gated), Is.EqualTo("not available for machine sessions"));
        Assert.That(gated["errors"]![0]!["path"]!.ToJsonString(), Is.EqualTo("""["viewer"]"""));
        Assert.That(other["errors"], Is.Null);
    }

    [Test]
    public async Task Fault_MachineSessionGate_NullsDataForStacks()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        server.Faults.Add(new FakeFault(FakeFaultKind.MachineSessionGate, "ListStacks"));

        var gated = await PostAsync(client, Operation("ListStacks"), token: token);

        Assert.That(gated["data"], Is.Null);
        Assert.That(ErrorMessage(gated), Is.EqualTo("not available for machine sessions"));
        Assert.That(gated["errors"]![0]!["path"]!.ToJsonString(), Is.EqualTo("""["stacks"]"""));
    }

    [Test]
    public async Task Fault_HttpUnauthorized_Status401()
    {
        var (server, client) = await StartAsync();
        server.Faults.Add(new FakeFault(FakeFaultKind.HttpUnauthorized));

        var response = await SendAsync(client, Operation("GetViewer"));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Fault_Latency_DelaysAnswers()
    {
        var (server, client) = await StartAsync();
        server.Faults.Latency = TimeSpan.FromMilliseconds(300);

        var stopwatch = Stopwatch.StartNew();
        var response = await SendAsync(client, Operation("GetViewer"));
        stopwatch.Stop();

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(stopwatch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(290)));
    }

    [Test]
    public async Task Fault_StuckRunsCursor_RepeatsNewestRuns()
    {
        var (server, client) = await StartAsync(new FakeSpaceliftOptions { RunsPageSize = 3 });
        var token = await GetTokenAsync(server, client);
        server.Faults.Add(new FakeFault(FakeFaultKind.StuckRunsCursor, "ListRuns"));
        var first = await PostAsync(client, Operation("ListRuns"), new JsonObject { ["stack"] = PaymentsStack }, token: token);
        var firstIds = first["data"]!["stack"]!["runs"]!.AsArray().Select(run => run!["id"]!.GetValue<string>()).ToList();

        var second = await PostAsync(client, Operation("ListRuns"), new JsonObject { ["stack"] = PaymentsStack, ["before"] = firstIds[^1] }, token: token);

        var secondIds = second["data"]!["stack"]!["runs"]!.AsArray().Select(run => run!["id"]!.GetValue<string>()).ToList();
        Assert.That(secondIds, Is.EqualTo(firstIds));
    }

    [Test]
    public async Task BeforeOperation_ChangesDataBeforeExecution()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        var seen = new List<string?>();
        server.Faults.BeforeOperation = operation =>
        {
            seen.Add(operation);
            if (operation == "GetStack")
            {
                server.Data.SetStackState(PaymentsStack, "FAILED");
            }
        };

        var response = await PostAsync(client, Operation("GetStack"), new JsonObject { ["id"] = PaymentsStack }, token: token);

        Assert.That(response["data"]!["stack"]!["state"]!.GetValue<string>(), Is.EqualTo("FAILED"));
        Assert.That(seen, Is.EqualTo(new[] { "GetStack" }));
    }

    [Test]
    public async Task RequestLog_MaxInFlight_CountsParallelRequests()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        server.Faults.Latency = TimeSpan.FromMilliseconds(300);

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PostAsync(client, Operation("GetViewer"), token: token)));

        Assert.That(server.Requests.MaxInFlight, Is.EqualTo(3));
        server.Requests.Reset();
        Assert.That(server.Requests.MaxInFlight, Is.Zero);
    }

    // Schema extension and data

    [Test]
    public async Task ExtraStackStates_NewStateServedByName()
    {
        var (server, client) = await StartAsync(new FakeSpaceliftOptions { ExtraStackStates = ["FUTURE_STATE"] });
        var token = await GetTokenAsync(server, client);
        server.Data.SetStackState(PaymentsStack, "FUTURE_STATE");

        var response = await PostAsync(client, Operation("GetStack"), new JsonObject { ["id"] = PaymentsStack }, token: token);

        Assert.That(response["errors"], Is.Null, response.ToJsonString());
        Assert.That(response["data"]!["stack"]!["state"]!.GetValue<string>(), Is.EqualTo("FUTURE_STATE"));
    }

    [Test]
    public async Task UnknownStackState_WithoutExtension_InternalError()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        server.Data.SetStackState(PaymentsStack, "FUTURE_STATE");

        var response = await PostAsync(client, Operation("GetStack"), new JsonObject { ["id"] = PaymentsStack }, token: token);

        Assert.That(response["data"]!["stack"], Is.Null);
        Assert.That(ErrorMessage(response), Is.EqualTo("internal error"));
    }

    [TestCase("NONE")]
    [TestCase("lower case")]
    public void ExtraStackStates_InvalidName_Rejected(string name)
    {
        Assert.That(
            async () => await FakeSpaceliftServer.StartAsync(new FakeSpaceliftOptions { ExtraStackStates = [name] }).WaitAsync(StepTimeout),
            Throws.ArgumentException);
    }

    [Test]
    public async Task Data_SameSeed_SameStacks()
    {
        var (first, _) = await StartAsync();
        var (second, _) = await StartAsync();
        var (other, _) = await StartAsync(new FakeSpaceliftOptions { Seed = 7 });

        var firstIds = first.Data.Stacks.Select(stack => (stack.Id, stack.Name, stack.State)).ToList();
        Assert.That(second.Data.Stacks.Select(stack => (stack.Id, stack.Name, stack.State)).ToList(), Is.EqualTo(firstIds));
        Assert.That(other.Data.Stacks.Select(stack => (stack.Id, stack.Name, stack.State)).ToList(), Is.Not.EqualTo(firstIds));
    }

    [Test]
    public async Task Data_Generated_CoversEdgeCases()
    {
        var (server, _) = await StartAsync();
        var stacks = server.Data.Stacks;

        Assert.That(stacks, Has.Count.EqualTo(24));
        Assert.That(stacks.Select(stack => stack.Id), Is.All.Match("^[A-Za-z0-9._-]+$"));
        Assert.That(stacks.Select(stack => stack.Id), Is.Unique);
        Assert.That(stacks.Select(stack => stack.Name), Does.Contain("Zürich 東京 🚀"));
        Assert.That(stacks.Count(stack => stack.Description is null), Is.GreaterThan(0));
        Assert.That(stacks.Count(stack => stack.Description?.Length > 300), Is.GreaterThan(0));
        Assert.That(stacks.Count(stack => stack.Labels.Count == 0), Is.GreaterThan(0));
        Assert.That(stacks.Count(stack => stack.Labels.Count >= 3), Is.GreaterThan(0));
        Assert.That(stacks.Count(stack => stack.State == "READY"), Is.GreaterThan(0));
        Assert.That(stacks.Select(stack => stack.VendorConfig?.TypeName).Distinct().Count(), Is.GreaterThanOrEqualTo(3));

        var unconfirmed = stacks.Where(stack => stack.State == "UNCONFIRMED").ToList();
        Assert.That(unconfirmed, Has.Count.GreaterThanOrEqualTo(2));
        foreach (var stack in unconfirmed)
        {
            var newest = server.Data.GetRuns(stack.Id)[0];
            Assert.That(newest.State, Is.EqualTo("UNCONFIRMED"));
            Assert.That(stack.BlockerRunId, Is.EqualTo(newest.Id));
        }

        var neverRun = stacks.Single(stack => stack.State == "NONE");
        Assert.That(server.Data.GetRuns(neverRun.Id), Is.Empty);

        var runs = stacks.SelectMany(stack => server.Data.GetRuns(stack.Id)).ToList();
        Assert.That(runs.Select(run => run.Id), Is.All.Matches<string>(FakeIds.IsUlid));
        Assert.That(runs.Count(run => run.Type == "PROPOSED"), Is.GreaterThan(0));
        Assert.That(runs.Count(run => run.State == "FAILED" && run.Delta is null), Is.GreaterThan(0));
        Assert.That(runs.Count(run => run.TriggeredBy is null), Is.GreaterThan(0));
        Assert.That(runs.Count(run => run.TriggeredBy?.StartsWith("api::", StringComparison.Ordinal) == true), Is.GreaterThan(0));
        Assert.That(server.Data.Spaces.Select(space => space.Id), Does.Contain("root"));
    }

    [Test]
    public async Task UnicodeName_RoundTrips()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        var response = await PostAsync(client, Operation("GetStack"), new JsonObject { ["id"] = "zurich-tokyo-launch" }, token: token);

        Assert.That(response["data"]!["stack"]!["name"]!.GetValue<string>(), Is.EqualTo("Zürich 東京 🚀"));
    }

    [Test]
    public async Task AddStack_ExactCase_Served()
    {
        var (server, client) = await StartAsync(new FakeSpaceliftOptions { StackCount = 0 });
        var token = await GetTokenAsync(server, client);
        server.Data.AddStack(new FakeStack { Id = "bare", Name = "Bare", Description = null, Labels = [], Space = "missing-space" });

        var response = await PostAsync(client, Operation("ListStacks"), token: token);

        Assert.That(response["errors"], Is.Null, response.ToJsonString());
        var stack = response["data"]!["stacks"]!.AsArray().Single()!;
        Assert.That(stack["id"]!.GetValue<string>(), Is.EqualTo("bare"));
        Assert.That(stack["description"], Is.Null);
        Assert.That(stack["labels"]!.AsArray(), Is.Empty);
        Assert.That(stack["state"]!.GetValue<string>(), Is.EqualTo("NONE"));
        Assert.That(stack["spaceDetails"]!["id"]!.GetValue<string>(), Is.EqualTo("missing-space"));
    }

    // Request log and control endpoints

    [Test]
    public async Task RequestLog_RecordsOperationsAndHeaders()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);
        const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

        await PostAsync(client, Operation("ListStacks"), token: token, headers: new Dictionary<string, string> { ["traceparent"] = Traceparent });
        await PostAsync(client, "{ viewer { id } }", token: token);

        Assert.That(server.Requests.Count("ExchangeApiKey"), Is.EqualTo(1));
        Assert.That(server.Requests.Count("ListStacks"), Is.EqualTo(1));
        Assert.That(server.Requests.Count(FakeRequestLog.AnonymousOperation), Is.EqualTo(1));
        Assert.That(server.Requests.Total, Is.EqualTo(3));

        var listStacks = server.Requests.Recent.Single(request => request.OperationName == "ListStacks");
        Assert.That(listStacks.Headers["traceparent"], Is.EqualTo(Traceparent));
        Assert.That(listStacks.Authorization, Is.EqualTo($"Bearer {token}"));

        server.Requests.Reset();
        Assert.That(server.Requests.Total, Is.Zero);
        Assert.That(server.Requests.Recent, Is.Empty);
    }

    [Test]
    public async Task ControlEndpoints_ChangeFaultsAndReportCounts()
    {
        var (server, client) = await StartAsync();
        var token = await GetTokenAsync(server, client);

        using var fault = new StringContent("""{"kind":"GraphQLError","operation":"GetViewer","times":1,"message":"boom"}""", Encoding.UTF8, "application/json");
        using var added = await client.PostAsync(new Uri("/_fake/faults", UriKind.Relative), fault).WaitAsync(StepTimeout);
        Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var faulted = await PostAsync(client, Operation("GetViewer"), token: token);
        Assert.That(ErrorMessage(faulted), Is.EqualTo("boom"));

        using var latency = await client.PutAsync(new Uri("/_fake/latency?ms=5", UriKind.Relative), null).WaitAsync(StepTimeout);
        Assert.That(latency.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(server.Faults.Latency, Is.EqualTo(TimeSpan.FromMilliseconds(5)));

        using var revoked = await client.PostAsync(new Uri("/_fake/tokens/revoke", UriKind.Relative), null).WaitAsync(StepTimeout);
        Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var afterRevoke = await PostAsync(client, Operation("GetViewer"), token: token);
        Assert.That(afterRevoke["data"]!["viewer"], Is.Null);

        server.Faults.Add(new FakeFault(FakeFaultKind.Hang));
        using var cleared = await client.DeleteAsync(new Uri("/_fake/faults", UriKind.Relative)).WaitAsync(StepTimeout);
        Assert.That(cleared.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(server.Faults.Rules, Is.Empty);

        var counts = JsonNode.Parse(await client.GetStringAsync(new Uri("/_fake/requests", UriKind.Relative)).WaitAsync(StepTimeout))!;
        Assert.That(counts["operations"]!["GetViewer"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(counts["tokensIssued"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(counts["total"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(counts["maxInFlight"]!.GetValue<int>(), Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public async Task ControlEndpoints_InvalidFault_BadRequest()
    {
        var (_, client) = await StartAsync();

        using var fault = new StringContent("""{"kind":"NoSuchKind"}""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri("/_fake/faults", UriKind.Relative), fault).WaitAsync(StepTimeout);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task ControlEndpoints_Disabled_NotFound()
    {
        var (_, client) = await StartAsync(new FakeSpaceliftOptions { EnableControlEndpoints = false });

        using var response = await client.GetAsync(new Uri("/_fake/requests", UriKind.Relative)).WaitAsync(StepTimeout);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Server_ListensOnLoopback()
    {
        var (server, _) = await StartAsync();

        Assert.That(server.BaseAddress.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(server.BaseAddress.Port, Is.GreaterThan(0));
        Assert.That(server.GraphQLEndpoint, Is.EqualTo(new Uri(server.BaseAddress, "/graphql")));
    }

    // Helpers

    private static string[] OperationFiles() =>
        [.. Directory.GetFiles(OperationsDirectory(), "*.graphql").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    private static string OperationsDirectory() =>
        Path.Combine(RepositoryRoot(), "src", "SpaceliftProxy", "Spacelift", "Operations");

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SpaceliftProxy.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No SpaceliftProxy.sln found above {AppContext.BaseDirectory}.");
    }

    private static string Operation(string name) =>
        File.ReadAllText(Path.Combine(OperationsDirectory(), name + ".graphql"));

    /// <summary>Returns variables that make each operation document succeed against the generated data.</summary>
    private static JsonObject? VariablesFor(string operation, FakeSpaceliftServer server)
    {
        var unconfirmed = server.Data.Stacks.Where(stack => stack.State == "UNCONFIRMED").ToList();
        return operation switch
        {
            "ConfirmRun" => new JsonObject { ["stack"] = unconfirmed[0].Id, ["run"] = unconfirmed[0].BlockerRunId },
            "DiscardRun" => new JsonObject { ["stack"] = unconfirmed[1].Id, ["run"] = unconfirmed[1].BlockerRunId },
            "ExchangeApiKey" => new JsonObject { ["id"] = server.Options.ApiKeyId, ["secret"] = server.Options.ApiKeySecret },
            "GetRun" => new JsonObject { ["stack"] = PaymentsStack, ["run"] = server.Data.GetRuns(PaymentsStack)[^1].Id },
            "GetStack" => new JsonObject { ["id"] = unconfirmed[0].Id },
            "GetViewer" or "ListStacks" => null,
            "ListRuns" => new JsonObject { ["stack"] = PaymentsStack },
            "SearchStacks" => new JsonObject { ["input"] = new JsonObject { ["first"] = 5 } },
            "TriggerRun" => new JsonObject { ["stack"] = PaymentsStack },
            _ => throw new AssertionException($"No variables for operation document {operation}.graphql; add a case to {nameof(VariablesFor)}."),
        };
    }

    private async Task<(FakeSpaceliftServer Server, HttpClient Client)> StartAsync(FakeSpaceliftOptions? options = null)
    {
        var server = await FakeSpaceliftServer.StartAsync(options).WaitAsync(StepTimeout);
        _servers.Add(server);
        var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = StepTimeout };
        _clients.Add(client);
        return (server, client);
    }

    private static async Task<string> GetTokenAsync(FakeSpaceliftServer server, HttpClient client)
    {
        var response = await ExchangeAsync(client, server.Options.ApiKeyId, server.Options.ApiKeySecret);
        return response["data"]!["apiKeyUser"]!["jwt"]!.GetValue<string>();
    }

    private static Task<JsonNode> ExchangeAsync(HttpClient client, string id, string secret) =>
        PostAsync(client, Operation("ExchangeApiKey"), new JsonObject { ["id"] = id, ["secret"] = secret });

    private static async Task<JsonNode> PostAsync(
        HttpClient client,
        string query,
        JsonObject? variables = null,
        string? token = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var response = await SendAsync(client, query, variables, token, headers);
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.OK), response.Body);
        return JsonNode.Parse(response.Body) ?? throw new AssertionException("The response body is JSON null.");
    }

    private static async Task<RawResponse> SendAsync(
        HttpClient client,
        string query,
        JsonObject? variables = null,
        string? token = null,
        IReadOnlyDictionary<string, string>? headers = null,
        CancellationToken cancellationToken = default)
    {
        var payload = new JsonObject { ["query"] = query, ["variables"] = variables };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/graphql", UriKind.Relative))
        {
            Content = new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request, cancellationToken).WaitAsync(StepTimeout, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).WaitAsync(StepTimeout, cancellationToken);
        return new RawResponse(response.StatusCode, response.Headers.RetryAfter?.Delta, response.Content.Headers.ContentType?.MediaType, body);
    }

    /// <summary>Returns all error messages joined by " | ", so one assert shows every message.</summary>
    private static string ErrorMessage(JsonNode response) => string.Join(" | ", ErrorMessages(response));

    private static List<string> ErrorMessages(JsonNode response) =>
        response["errors"]?.AsArray().Select(error => error!["message"]!.GetValue<string>()).ToList() ?? [];

    private sealed record RawResponse(HttpStatusCode Status, TimeSpan? RetryAfter, string? MediaType, string Body);
}
