using System.Net;
using SpaceliftProxy.FakeSpacelift.Backstage;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Auth;

/// <summary>Plugin tokens from other Backstage backends, found through discovery, with and without obo users.</summary>
public sealed class PluginTokenTests : BarrierTestBase
{
    // Nothing listens on port 9 of loopback, so a lookup that falls back to Backstage:BaseUrl fails.
    private const string DeadBaseUrl = "http://127.0.0.1:9";

    [Test]
    public async Task PluginToken_ThroughBaseUrl_Accepted()
    {
        Backstage.AddPlugin("scaffolder");
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, Backstage.IssuePluginToken("scaffolder"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.Requests, Does.Contain("/api/scaffolder/.backstage/auth/v1/jwks.json"));
    }

    [Test]
    public async Task PluginToken_ForSpaceliftPluginId_Accepted()
    {
        Backstage.AddPlugin("scaffolder");
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, Backstage.IssuePluginToken("scaffolder", audience: "spacelift"), "/api/spacelift/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task PluginToken_ForOtherAudience_Answers401WithoutFetchingKeys()
    {
        Backstage.AddPlugin("scaffolder");
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssuePluginToken("scaffolder", audience: "catalog"));

        Assert.That(AssertUnauthorized(response, body), Does.Contain("audience catalog"));
        Assert.That(Backstage.PluginJwksRequests("scaffolder"), Is.Zero);
    }

    [Test]
    public async Task PluginToken_WithoutAudience_Answers401()
    {
        Backstage.AddPlugin("scaffolder");
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssuePluginToken("scaffolder", customize: (_, payload) => payload.Remove("aud")));

        Assert.That(AssertUnauthorized(response, body), Does.Contain("audience (none)"));
    }

    [TestCase("../auth")]
    [TestCase("scaffolder/../../x")]
    [TestCase("plugin:scaffolder")]
    public async Task PluginToken_SubjectNotAPluginId_Answers401WithoutCallingBackstage(string subject)
    {
        Backstage.AddPlugin("scaffolder");
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var token = Backstage.IssuePluginToken("scaffolder", customize: (_, payload) => payload["sub"] = subject);
        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("is not a plugin id"));
        Assert.That(Backstage.Requests, Is.Empty);
    }

    [Test]
    public async Task PluginToken_FromPluginWithoutJwks_Answers401()
    {
        using var key = FakeSigningKey.Create();
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssuePluginToken("ghost", key: key));

        Assert.That(AssertUnauthorized(response, body), Does.Contain("issuer is unknown").And.Contain("plugin 'ghost'"));
    }

    [Test]
    public async Task PluginToken_KeyIdNotPublished_Answers401()
    {
        Backstage.AddPlugin("scaffolder");
        using var key = FakeSigningKey.Create();
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssuePluginToken("scaffolder", key: key));

        Assert.That(AssertUnauthorized(response, body), Does.Contain($"signing key '{key.KeyId}' is not among the keys of plugin 'scaffolder'"));
    }

    [Test]
    public async Task PluginToken_ForgedWithPublishedKeyId_Answers401()
    {
        var published = Backstage.AddPlugin("scaffolder");
        using var forger = FakeSigningKey.Create(keyId: published.KeyId);
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssuePluginToken("scaffolder", key: forger));

        Assert.That(AssertUnauthorized(response, body), Does.Contain("plugin token's signature is invalid"));
    }

    [Test]
    public async Task PluginToken_Expired_Answers401()
    {
        Backstage.AddPlugin("scaffolder");
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var now = Time.GetUtcNow();

        var token = Backstage.IssuePluginToken("scaffolder", customize: (_, payload) => payload["exp"] = FakeTokens.ToNumericDate(now.AddSeconds(-5)));
        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("plugin token expired"));
    }

    [TestCase("{0}/internal/{{{{pluginId}}}}")]
    [TestCase("{0}/internal/{{{{ pluginId }}}}")]
    public async Task Discovery_StringTarget_UsedForPluginKeys(string targetFormat)
    {
        Backstage.AddPlugin("scaffolder");
        var target = string.Format(System.Globalization.CultureInfo.InvariantCulture, targetFormat, BackstageBaseUrl);
        await using var proxy = CreateProxy(settings =>
        {
            settings["Backstage:BaseUrl"] = DeadBaseUrl;
            settings["Backstage:Discovery:Endpoints:0:Target"] = target;
            settings["Backstage:Discovery:Endpoints:0:Plugins:0"] = "scaffolder";
        });
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, Backstage.IssuePluginToken("scaffolder"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.Requests, Does.Contain("/internal/scaffolder/.backstage/auth/v1/jwks.json"));
    }

    [Test]
    public async Task Discovery_InternalExternalTarget_UsesInternal()
    {
        Backstage.AddPlugin("scaffolder");
        await using var proxy = CreateProxy(settings =>
        {
            settings["Backstage:BaseUrl"] = DeadBaseUrl;
            settings["Backstage:Discovery:Endpoints:0:Target:Internal"] = BackstageBaseUrl + "/in/scaffolder";
            settings["Backstage:Discovery:Endpoints:0:Target:External"] = DeadBaseUrl + "/out/scaffolder";
            settings["Backstage:Discovery:Endpoints:0:Plugins:0"] = "scaffolder";
        });
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, Backstage.IssuePluginToken("scaffolder"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.Requests, Does.Contain("/in/scaffolder/.backstage/auth/v1/jwks.json"));
    }

    [Test]
    public async Task Discovery_Wildcard_CoversEveryPluginAndAuth()
    {
        Backstage.AddPlugin("catalog");
        await using var proxy = CreateProxy(settings =>
        {
            settings["Backstage:BaseUrl"] = DeadBaseUrl;
            settings["Backstage:Discovery:Endpoints:0:Target"] = DeadBaseUrl + "/only-techdocs";
            settings["Backstage:Discovery:Endpoints:0:Plugins:0"] = "techdocs";
            settings["Backstage:Discovery:Endpoints:1:Target:Internal"] = BackstageBaseUrl + "/all/{{pluginId}}";
            settings["Backstage:Discovery:Endpoints:1:Plugins:0"] = "*";
        });
        using var client = proxy.CreateClient();

        var (plugin, _) = await GetStacksAsync(client, Backstage.IssuePluginToken("catalog"));
        var (user, _) = await GetStacksAsync(client, Backstage.IssueUserToken());

        Assert.That(plugin.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(user.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.Requests, Does.Contain("/all/catalog/.backstage/auth/v1/jwks.json"));
        Assert.That(Backstage.Requests, Does.Contain("/all/auth/.well-known/jwks.json"));
    }

    [Test]
    public async Task OnBehalfOfUser_ActsAsThatUser()
    {
        Backstage.AddPlugin("scaffolder");
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:ActionAllowList:Users:0"] = "user:default/jdoe");
        using var client = proxy.CreateClient();

        var forJdoe = Backstage.IssuePluginToken("scaffolder", onBehalfOf: Backstage.IssueLimitedUserToken("user:default/jdoe"));
        var forMallory = Backstage.IssuePluginToken("scaffolder", onBehalfOf: Backstage.IssueLimitedUserToken("user:default/mallory"));
        var (allowed, _) = await TriggerAsync(client, forJdoe);
        var (denied, deniedBody) = await TriggerAsync(client, forMallory);

        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(denied.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(HttpJson.Error(deniedBody), Does.Contain("user:default/mallory"));
    }

    [Test]
    public async Task OnBehalfOf_FullUserToken_Accepted()
    {
        Backstage.AddPlugin("scaffolder");
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, Backstage.IssuePluginToken("scaffolder", onBehalfOf: Backstage.IssueUserToken()));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task OnBehalfOf_ForgedUserToken_Answers401()
    {
        Backstage.AddPlugin("scaffolder");
        using var forger = FakeSigningKey.Create(keyId: Backstage.AuthKey.KeyId);
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var token = Backstage.IssuePluginToken("scaffolder", onBehalfOf: Backstage.IssueLimitedUserToken(key: forger));
        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("obo token's signature is invalid"));
    }

    [Test]
    public async Task OnBehalfOf_PluginToken_Answers401()
    {
        Backstage.AddPlugin("scaffolder");
        Backstage.AddPlugin("catalog");
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var token = Backstage.IssuePluginToken("scaffolder", onBehalfOf: Backstage.IssuePluginToken("catalog"));
        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("obo claim has the type 'vnd.backstage.plugin'"));
    }

    [Test]
    public async Task OnBehalfOf_NotAString_Answers401()
    {
        Backstage.AddPlugin("scaffolder");
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var token = Backstage.IssuePluginToken("scaffolder", customize: (_, payload) => payload["obo"] = new Dictionary<string, string> { ["sub"] = "user:default/jdoe" });
        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("obo claim is not a token"));
    }
}
