using System.Net;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Spacelift;

/// <summary>How the service obtains, reuses, shares and renews its Spacelift token.</summary>
public sealed class TokenTests
{
    private FakeSpaceliftServer _spacelift = null!;

    [TearDown]
    public async Task StopAsync() => await _spacelift.DisposeAsync();

    [Test]
    public async Task Token_ManyRequests_ExchangedOnce()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(_spacelift, configure: NoResponseCache);
        using var client = proxy.CreateClient();

        for (var i = 0; i < 5; i++)
        {
            var (response, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(5));
        Assert.That(_spacelift.Requests.TokensIssued, Is.EqualTo(1));
    }

    [Test]
    public async Task Token_ShortLived_RenewedBeforeExpiry()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync(new FakeSpaceliftOptions { TokenLifetime = TimeSpan.FromSeconds(4) });
        await using var proxy = ProxyFactory.For(_spacelift, configure: NoResponseCache);
        using var client = proxy.CreateClient();

        var (first, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        var (second, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        Assert.That(_spacelift.Requests.TokensIssued, Is.EqualTo(1), "a token is reused while valid");

        // A token of 4 to 5 seconds (validUntil is rounded up to a whole second) is renewed a
        // quarter of its lifetime before it expires, so 4.2 seconds on it is always renewed.
        await Task.Delay(TimeSpan.FromSeconds(4.2));
        var (third, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(third.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_spacelift.Requests.TokensIssued, Is.EqualTo(2));
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(3), "no call was refused and retried");
    }

    [Test]
    public async Task Token_RevokedBySpacelift_RenewedAndRequestRetried()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(_spacelift, configure: NoResponseCache);
        using var client = proxy.CreateClient();
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        _spacelift.RevokeTokens();
        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetArrayLength(), Is.EqualTo(_spacelift.Data.StackCount));
        Assert.That(_spacelift.Requests.TokensIssued, Is.EqualTo(2));
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.EqualTo(3), "the refused call and its one retry");
    }

    [Test]
    public async Task Token_HttpUnauthorized_RenewedAndRequestRetried()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync();
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.HttpUnauthorized, "ListStacks", Times: 1));
        await using var proxy = ProxyFactory.For(_spacelift);
        using var client = proxy.CreateClient();

        var (response, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_spacelift.Requests.TokensIssued, Is.EqualTo(2));
    }

    [Test]
    public async Task Token_ExpiredDuringSearchStacks_EmptyPageNotBelieved()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync();
        _spacelift.Faults.Add(new FakeFault(FakeFaultKind.MachineSessionGate, "ListStacks"));
        await using var proxy = ProxyFactory.For(_spacelift, configure: NoResponseCache);
        using var client = proxy.CreateClient();
        var (before, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // Spacelift answers searchStacks with an expired token as an empty page and HTTP 200.
        _spacelift.RevokeTokens();
        await Task.Delay(TimeSpan.FromSeconds(5.5));
        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetArrayLength(), Is.EqualTo(_spacelift.Data.StackCount));
        Assert.That(_spacelift.Requests.TokensIssued, Is.EqualTo(2));
    }

    [Test]
    public async Task Token_SharedThroughRedis_OtherReplicaDoesNotExchange()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync();
        var redis = TestEnvironment.Redis.ConnectionString;
        await using var first = ProxyFactory.For(_spacelift, redis, NoResponseCache);
        await using var second = ProxyFactory.For(_spacelift, redis, NoResponseCache);
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();

        var (firstResponse, _) = await HttpJson.GetAsync(firstClient, "/api/spacelift-io/stacks");
        var (secondResponse, _) = await HttpJson.GetAsync(secondClient, "/api/spacelift-io/stacks");

        Assert.That(firstResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(secondResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(_spacelift.Requests.TokensIssued, Is.EqualTo(1));
    }

    [Test]
    public async Task Token_InRedis_IsNotPlainText()
    {
        _spacelift = await FakeSpaceliftServer.StartAsync();
        var redis = TestEnvironment.Redis.ConnectionString;
        await using var proxy = ProxyFactory.For(_spacelift, redis);
        using var client = proxy.CreateClient();
        await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        var jwt = _spacelift.Requests.Recent.Select(request => request.Authorization).OfType<string>().First()["Bearer ".Length..];

        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis);
        var server = connection.GetServers()[0];
        var tokenKeys = server.Keys(pattern: $"*{_spacelift.BaseAddress.Port}*token*").ToArray();
        Assert.That(tokenKeys, Has.Length.EqualTo(1));
        var stored = await connection.GetDatabase().HashGetAllAsync(tokenKeys[0]);

        Assert.That(stored, Is.Not.Empty);
        foreach (var field in stored)
        {
            Assert.That(field.Value.ToString(), Does.Not.Contain(jwt[..20]), "the token must be stored encrypted");
        }
    }

    [TestCase("01HQWRONGKEY00000000000000", "demo-secret")]
    [TestCase("01HQDEMO0KEY0000000000000A", "wrong-secret-value")]
    public async Task ApiKey_Rejected_Answers502NamingTheSettings(string keyId, string secret)
    {
        _spacelift = await FakeSpaceliftServer.StartAsync();
        await using var proxy = ProxyFactory.For(_spacelift, configure: settings =>
        {
            settings["Spacelift:ApiKey"] = keyId;
            settings["Spacelift:ApiSecret"] = secret;
        });
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");
        var (again, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/stacks");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
        var error = HttpJson.Error(body);
        Assert.That(error, Does.Contain("Spacelift rejected the configured API key"));
        Assert.That(error, Does.Contain("Spacelift:ApiKey"));
        Assert.That(error, Does.Not.Contain(secret));
        Assert.That(body.GetRawText(), Does.Not.Contain(secret));
        Assert.That(_spacelift.Requests.Count("ExchangeApiKey"), Is.EqualTo(1), "a rejected key is not retried in a loop");
        Assert.That(_spacelift.Requests.Count("ListStacks"), Is.Zero);
    }

    private static void NoResponseCache(Dictionary<string, string?> settings) => settings["Cache:StacksTtl"] = "00:00:00";
}
