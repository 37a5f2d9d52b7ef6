using System.Net;
using SpaceliftProxy.FakeSpacelift.Backstage;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Auth;

/// <summary>Fetching, sharing, refetching and throttling the JWKS, and Backstage being down.</summary>
public sealed class JwksTests : BarrierTestBase
{
    /// <summary>Longer than the default refetch interval of 5 s.</summary>
    private static readonly TimeSpan PastRefetchInterval = TimeSpan.FromSeconds(6);

    [Test]
    public async Task KeyRotation_NewKeyIdFetchesKeysAgain()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var oldKey = Backstage.AuthKey;
        var (before, _) = await GetStacksAsync(client, Backstage.IssueUserToken());

        Backstage.RotateAuthKey();
        Time.Advance(PastRefetchInterval);
        var (after, _) = await GetStacksAsync(client, Backstage.IssueUserToken());
        var (signedWithOldKey, _) = await GetStacksAsync(client, Backstage.IssueUserToken("user:default/alice", key: oldKey));

        Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(signedWithOldKey.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.AuthJwksRequests, Is.EqualTo(2));
    }

    [Test]
    public async Task KeyRotation_WithinInterval_RejectedFirst()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        await GetStacksAsync(client, Backstage.IssueUserToken());
        Backstage.RotateAuthKey();
        var token = Backstage.IssueUserToken();

        var (throttled, throttledBody) = await GetStacksAsync(client, token);
        Time.Advance(PastRefetchInterval);
        var (accepted, _) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(throttled, throttledBody), Does.Contain("is not among the keys of Backstage's auth backend"));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.AuthJwksRequests, Is.EqualTo(2));
    }

    [Test]
    public async Task ForgedKeyIds_OneFetchPerInterval()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        for (var i = 0; i < 20; i++)
        {
            using var forger = FakeSigningKey.Create();
            var (response, _) = await GetStacksAsync(client, Backstage.IssueUserToken(key: forger));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        Assert.That(Backstage.AuthJwksRequests, Is.EqualTo(1));

        Time.Advance(PastRefetchInterval);
        for (var i = 0; i < 20; i++)
        {
            using var forger = FakeSigningKey.Create();
            await GetStacksAsync(client, Backstage.IssueUserToken(key: forger));
        }

        Assert.That(Backstage.AuthJwksRequests, Is.EqualTo(2));
    }

    [Test]
    public async Task ForgedPluginIds_BoundedFetches()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        using var key = FakeSigningKey.Create();

        for (var i = 0; i < 100; i++)
        {
            var (response, _) = await GetStacksAsync(client, Backstage.IssuePluginToken($"made-up-{i}", key: key));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        Assert.That(Backstage.Requests, Has.Count.EqualTo(SpaceliftProxy.Auth.PluginKeySets.Capacity));
    }

    [Test]
    public async Task ConcurrentFirstRequests_ShareOneFetch()
    {
        Backstage.Faults.Delay = TimeSpan.FromMilliseconds(500);
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var requests = Enumerable.Range(0, 20)
            .Select(i => GetStacksAsync(client, Backstage.IssueUserToken($"user:default/user{i}")))
            .ToArray();
        var responses = await Task.WhenAll(requests).WaitAsync(HttpJson.Timeout);

        Assert.That(responses.Select(response => response.Response.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.AuthJwksRequests, Is.EqualTo(1));
    }

    [Test]
    public async Task JwksDown_CachedKeysKeepWorking()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        await GetStacksAsync(client, Backstage.IssueUserToken());

        Backstage.Faults.AbortConnections = true;
        Time.Advance(PastRefetchInterval);
        var (knownKey, _) = await GetStacksAsync(client, Backstage.IssueUserToken("user:default/alice"));
        using var unknown = FakeSigningKey.Create();
        var (unknownKey, unknownBody) = await GetStacksAsync(client, Backstage.IssueUserToken(key: unknown));

        Assert.That(knownKey.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(AssertUnauthorized(unknownKey, unknownBody), Does.Contain("is not among the keys"));
    }

    [Test]
    public async Task StaleKeys_RefreshedInBackground()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        await GetStacksAsync(client, Backstage.IssueUserToken());

        Time.Advance(TimeSpan.FromMinutes(11));
        var (response, _) = await GetStacksAsync(client, Backstage.IssueUserToken("user:default/alice"));
        var deadline = DateTime.UtcNow + HttpJson.Timeout;
        while (Backstage.AuthJwksRequests < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.AuthJwksRequests, Is.EqualTo(2));
    }

    [Test]
    public async Task JwksUnreachable_NoKeys_Answers503()
    {
        Backstage.Faults.AbortConnections = true;
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssueUserToken());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(HttpJson.Error(body), Does.Contain("keys of Backstage's auth backend could not be fetched"));
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(5)));
    }

    [Test]
    public async Task JwksServerError_NoKeys_Answers503ThenRecovers()
    {
        Backstage.Faults.AuthJwksStatus = 500;
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken();

        var (failed, failedBody) = await GetStacksAsync(client, token);
        var (throttled, _) = await GetStacksAsync(client, token);
        Backstage.Faults.AuthJwksStatus = null;
        Time.Advance(PastRefetchInterval);
        var (recovered, _) = await GetStacksAsync(client, token);

        Assert.That(failed.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(HttpJson.Error(failedBody), Does.Contain("HTTP 500"));
        Assert.That(throttled.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(recovered.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.AuthJwksRequests, Is.EqualTo(2), "the second request waits for the refetch interval");
    }

    [Test]
    public async Task AuthJwksNotFound_Answers503()
    {
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:JwksUrl"] = BackstageBaseUrl + "/not-a-jwks");
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssueUserToken());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(HttpJson.Error(body), Does.Contain("HTTP 404"));
    }

    [Test]
    public async Task ConfiguredJwksUrl_UsedInsteadOfBaseUrl()
    {
        await using var proxy = CreateProxy(settings =>
        {
            settings["Backstage:BaseUrl"] = null;
            settings["Backstage:Auth:JwksUrl"] = BackstageBaseUrl + "/elsewhere/.well-known/jwks.json";
        });
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, Backstage.IssueUserToken());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Backstage.Requests, Is.EqualTo(new[] { "/elsewhere/.well-known/jwks.json" }));
    }

    [Test]
    public async Task PluginJwksDown_Answers503()
    {
        Backstage.AddPlugin("scaffolder");
        Backstage.Faults.PluginJwksStatus = 503;
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssuePluginToken("scaffolder"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(HttpJson.Error(body), Does.Contain("plugin 'scaffolder'"));
    }

    [Test]
    public async Task JwksTimesOut_Answers503()
    {
        Backstage.Faults.Delay = TimeSpan.FromSeconds(5);
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:BackstageTimeout"] = "00:00:00.300");
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssueUserToken());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(HttpJson.Error(body), Does.Contain("timed out"));
    }
}
