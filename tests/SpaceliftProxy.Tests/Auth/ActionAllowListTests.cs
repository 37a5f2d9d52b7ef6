using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SpaceliftProxy.Auth;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Auth;

/// <summary>Who may trigger runs: the allow lists, the per-caller rate limit and the audit log.</summary>
public sealed class ActionAllowListTests : BarrierTestBase
{
    private const string StaticToken = "ci-token-5b0d2c7e9f";

    [Test]
    public async Task NoAllowList_AnyUserTriggers()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await TriggerAsync(client, Backstage.IssueUserToken("user:default/anyone"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("id").GetString(), Is.Not.Empty);
    }

    [TestCase("user:default/jdoe")]
    [TestCase("jdoe")]
    [TestCase("default/JDoe")]
    public async Task ListedUser_Triggers(string entry)
    {
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:ActionAllowList:Users:0"] = entry);
        using var client = proxy.CreateClient();

        var (response, _) = await TriggerAsync(client, Backstage.IssueUserToken("user:default/jdoe"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task UnlistedUser_Answers403ButReads()
    {
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:ActionAllowList:Users:0"] = "user:default/jdoe");
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken("user:default/mallory");

        var (trigger, triggerBody) = await TriggerAsync(client, token);
        var (list, _) = await GetStacksAsync(client, token);

        Assert.That(trigger.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(HttpJson.Error(triggerBody), Does.Contain("user:default/mallory may not trigger"));
        Assert.That(Spacelift.Requests.Count("TriggerRun"), Is.Zero);
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task GroupInEntClaim_Triggers()
    {
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:ActionAllowList:Groups:0"] = "platform");
        using var client = proxy.CreateClient();

        var member = Backstage.IssueUserToken("user:default/jdoe", ownership: ["user:default/jdoe", "group:default/platform"]);
        var outsider = Backstage.IssueUserToken("user:default/mallory", ownership: ["user:default/mallory", "group:default/sales"]);
        var (allowed, _) = await TriggerAsync(client, member);
        var (denied, _) = await TriggerAsync(client, outsider);

        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(Backstage.UserInfoRequests, Is.Zero, "ent in the token makes user info unnecessary");
    }

    [Test]
    public async Task GroupFromUserInfo_TriggersAndIsCached()
    {
        Backstage.SetOwnership("user:default/jdoe", "user:default/jdoe", "group:default/platform");
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:ActionAllowList:Groups:0"] = "group:default/platform");
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken("user:default/jdoe");

        var (first, _) = await TriggerAsync(client, token);
        var (second, _) = await TriggerAsync(client, token);
        var (outsider, _) = await TriggerAsync(client, Backstage.IssueUserToken("user:default/mallory"));

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(outsider.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(Backstage.UserInfoRequests, Is.EqualTo(2), "one call per token");
        Assert.That(proxy.Services.GetRequiredService<UserInfoClient>().Calls, Is.EqualTo(2));
    }

    [Test]
    public async Task ListedUser_SkipsUserInfo()
    {
        await using var proxy = CreateProxy(settings =>
        {
            settings["Backstage:Auth:ActionAllowList:Users:0"] = "jdoe";
            settings["Backstage:Auth:ActionAllowList:Groups:0"] = "platform";
        });
        using var client = proxy.CreateClient();

        var (response, _) = await TriggerAsync(client, Backstage.IssueUserToken("user:default/jdoe"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.UserInfoRequests, Is.Zero);
    }

    [Test]
    public async Task UserInfoFails_Answers503()
    {
        Backstage.Faults.UserInfoStatus = 500;
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:ActionAllowList:Groups:0"] = "platform");
        using var client = proxy.CreateClient();

        var (response, body) = await TriggerAsync(client, Backstage.IssueUserToken("user:default/jdoe"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(HttpJson.Error(body), Does.Contain("groups of user:default/jdoe could not be read").And.Contain("HTTP 500"));
        Assert.That(response.Headers.RetryAfter, Is.Not.Null);
        Assert.That(Spacelift.Requests.Count("TriggerRun"), Is.Zero);
    }

    [Test]
    public async Task UserInfoRecovers_NextRequestCallsAgain()
    {
        Backstage.Faults.UserInfoStatus = 500;
        Backstage.SetOwnership("user:default/jdoe", "group:default/platform");
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:ActionAllowList:Groups:0"] = "platform");
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken("user:default/jdoe");
        var (failed, _) = await TriggerAsync(client, token);

        Backstage.Faults.UserInfoStatus = null;
        var (response, _) = await TriggerAsync(client, token);

        Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ListedServices_Trigger()
    {
        Backstage.AddPlugin("scaffolder");
        Backstage.AddPlugin("catalog");
        await using var proxy = CreateProxy(settings =>
        {
            settings["Backstage:Auth:ExternalAccess:0:Type"] = "static";
            settings["Backstage:Auth:ExternalAccess:0:Options:Token"] = StaticToken;
            settings["Backstage:Auth:ExternalAccess:0:Options:Subject"] = "ci-bot";
            settings["Backstage:Auth:ActionAllowList:Services:0"] = "ci-bot";
            settings["Backstage:Auth:ActionAllowList:Services:1"] = "scaffolder";
        });
        using var client = proxy.CreateClient();

        var (staticCaller, _) = await TriggerAsync(client, StaticToken);
        var (plugin, _) = await TriggerAsync(client, Backstage.IssuePluginToken("scaffolder"));
        var (otherPlugin, otherBody) = await TriggerAsync(client, Backstage.IssuePluginToken("catalog"));
        var (user, _) = await TriggerAsync(client, Backstage.IssueUserToken());

        Assert.That(staticCaller.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(plugin.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(otherPlugin.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(HttpJson.Error(otherBody), Does.Contain("plugin:catalog may not trigger"));
        Assert.That(user.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task TriggersPerMinute_Exceeded_Answers429PerCaller()
    {
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:TriggersPerMinute"] = "2");
        using var client = proxy.CreateClient();
        var jdoe = Backstage.IssueUserToken("user:default/jdoe");

        var (first, _) = await TriggerAsync(client, jdoe);
        var (second, _) = await TriggerAsync(client, jdoe);
        var (third, thirdBody) = await TriggerAsync(client, jdoe);
        var (otherUser, _) = await TriggerAsync(client, Backstage.IssueUserToken("user:default/alice"));
        var (list, _) = await GetStacksAsync(client, jdoe);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(third.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(third.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(HttpJson.Error(thirdBody), Does.Contain("Backstage:Auth:TriggersPerMinute"));
        Assert.That(otherUser.StatusCode, Is.EqualTo(HttpStatusCode.OK), "each caller has its own limit");
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK), "reading is not limited");
        Assert.That(Spacelift.Requests.Count("TriggerRun"), Is.EqualTo(3));
    }

    [Test]
    public async Task TriggersPerMinute_FailedTriggers_NotCounted()
    {
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:TriggersPerMinute"] = "2");
        using var client = proxy.CreateClient();
        var jdoe = Backstage.IssueUserToken("user:default/jdoe");

        // Bad ids, unknown stacks and Spacelift failures create no run, so they cost nothing.
        for (var i = 0; i < 5; i++)
        {
            var (badId, _) = await TriggerAsync(client, jdoe, "/api/spacelift-io/stacks/bad$id/trigger");
            var (unknown, _) = await TriggerAsync(client, jdoe, "/api/spacelift-io/stacks/no-such-stack/trigger");
            Assert.That(badId.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }

        var (first, _) = await TriggerAsync(client, jdoe);
        var (second, _) = await TriggerAsync(client, jdoe);
        var (third, _) = await TriggerAsync(client, jdoe);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(third.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
    }

    [Test]
    public async Task TriggersPerMinute_ConcurrentTriggers_StayWithinLimit()
    {
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:TriggersPerMinute"] = "3");
        using var client = proxy.CreateClient();
        var jdoe = Backstage.IssueUserToken("user:default/jdoe");

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => TriggerAsync(client, jdoe)));

        Assert.That(answers.Count(answer => answer.Response.StatusCode == HttpStatusCode.OK), Is.EqualTo(3));
        Assert.That(answers.Count(answer => answer.Response.StatusCode == HttpStatusCode.TooManyRequests), Is.EqualTo(7));
        Assert.That(Spacelift.Requests.Count("TriggerRun"), Is.EqualTo(3));
    }

    [Test]
    public async Task TriggersPerMinuteZero_NoLimit()
    {
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:TriggersPerMinute"] = "0");
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken();

        for (var i = 0; i < 12; i++)
        {
            var (response, _) = await TriggerAsync(client, token);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
    }

    [Test]
    public async Task Audit_RecordsEachOutcome()
    {
        await using var proxy = CreateProxy(settings =>
        {
            settings["Backstage:Auth:ActionAllowList:Users:0"] = "jdoe";
            settings["Backstage:Auth:TriggersPerMinute"] = "1";
        });
        using var client = proxy.CreateClient();
        var jdoe = Backstage.IssueUserToken("user:default/jdoe");
        var mallory = Backstage.IssueUserToken("user:default/mallory");

        var (succeeded, succeededBody) = await TriggerAsync(client, jdoe);
        await TriggerAsync(client, jdoe);
        await TriggerAsync(client, mallory);
        await TriggerAsync(client, jdoe, "/api/spacelift-io/stacks/no-such-stack/trigger");

        var audit = Logs.Entries.Where(entry => entry.Category == RunActionAudit.CategoryName).ToArray();
        Assert.That(succeeded.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(audit.Select(entry => entry.Values["Outcome"]), Is.EqualTo(new[] { "succeeded", "rate-limited", "denied", "rate-limited" }));
        Assert.That(audit[0].Values["Principal"], Is.EqualTo("user:default/jdoe"));
        Assert.That(audit[0].Values["StackId"], Is.EqualTo(StackId));
        Assert.That(audit[0].Values["RunId"], Is.EqualTo(succeededBody.GetProperty("id").GetString()));
        Assert.That(audit[0].Values["Action"], Is.EqualTo(RunAction.Trigger));
        Assert.That(audit[2].Values["Principal"], Is.EqualTo("user:default/mallory"));
        Assert.That(audit.Select(entry => entry.Message), Has.None.Contains(jdoe.Split('.')[2]));
    }

    [Test]
    public async Task Audit_RecordsSpaceliftFailureAndReadOnly()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken("user:default/jdoe");

        await TriggerAsync(client, token, "/api/spacelift-io/stacks/no-such-stack/trigger");

        await using var readOnly = CreateProxy(settings => settings["Spacelift:ReadOnly"] = "true");
        using var readOnlyClient = readOnly.CreateClient();
        await TriggerAsync(readOnlyClient, token);

        var audit = Logs.Entries.Where(entry => entry.Category == RunActionAudit.CategoryName).ToArray();
        Assert.That(audit, Has.Length.EqualTo(2));
        Assert.That(audit[0].Values["Outcome"], Is.EqualTo("failed"));
        Assert.That(audit[0].Values["Status"], Is.EqualTo(404));
        Assert.That(audit[0].Values["StackId"], Is.EqualTo("no-such-stack"));
        Assert.That(audit[1].Values["Outcome"], Is.EqualTo("failed"));
        Assert.That(audit[1].Values["Status"], Is.EqualTo(403));
        Assert.That(audit[1].Values["Reason"], Does.Contain("read-only"));
    }
}
