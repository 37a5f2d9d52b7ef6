using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SpaceliftProxy.Auth;
using SpaceliftProxy.FakeSpacelift.Backstage;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Auth;

/// <summary>User tokens from Backstage's auth backend, accepted and rejected as Backstage does.</summary>
public sealed class UserTokenTests : BarrierTestBase
{
    [TestCase("/api/spacelift-io/stacks")]
    [TestCase("/api/spacelift/stacks")]
    public async Task UserToken_Valid_ListsStacks(string path)
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssueUserToken(), path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetArrayLength(), Is.GreaterThan(0));
    }

    [TestCase("/api/spacelift-io/stacks")]
    [TestCase("/api/spacelift/stacks")]
    public async Task NoToken_Answers401WithProblemDetails(string path)
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, token: null, path);

        Assert.That(AssertUnauthorized(response, body), Does.StartWith("Missing credentials"));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter, Is.Null, "no error parameter when no token was sent");
        Assert.That(Spacelift.Requests.Total, Is.Zero, "nothing may reach Spacelift");
    }

    [Test]
    public async Task NoToken_TriggerAnswers401WithoutCallingSpacelift()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await TriggerAsync(client, token: null);

        Assert.That(AssertUnauthorized(response, body), Does.StartWith("Missing credentials"));
        Assert.That(Spacelift.Requests.Total, Is.Zero);
    }

    [TestCase("Basic dXNlcjpwYXNz")]
    [TestCase("Bearer")]
    [TestCase("Bearer ")]
    [TestCase("Bearer a b")]
    [TestCase("Bearertoken")]
    [TestCase("Token abcdefgh")]
    public async Task MalformedAuthorizationHeader_Answers401(string header)
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await HttpJson.SendAsync(client, HttpMethod.Get, StacksPath, header);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("Bearer <token>"));
    }

    [TestCase("bearer {0}")]
    [TestCase("BEARER {0}")]
    [TestCase("Bearer    {0}")]
    public async Task BearerScheme_CaseAndSpacesAsBackstage_Accepted(string format)
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var header = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Backstage.IssueUserToken());
        var (response, _) = await HttpJson.SendAsync(client, HttpMethod.Get, StacksPath, header);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task NotAJwt_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, "not-a-jwt-and-not-a-static-token");

        Assert.That(AssertUnauthorized(response, body), Does.Contain("neither a JWT nor a configured static token"));
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter, Is.EqualTo("error=\"invalid_token\""));
    }

    [Test]
    public async Task MalformedJwt_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, "eyJub3QganNvbg.eyJzdWIiOiJ4In0.c2ln");

        Assert.That(AssertUnauthorized(response, body), Does.Contain("malformed").Or.Contain("neither a JWT"));
    }

    [Test]
    public async Task ExpiredToken_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var now = Time.GetUtcNow();
        var token = Backstage.IssueUserToken(customize: (_, payload) =>
        {
            payload["iat"] = FakeTokens.ToNumericDate(now.AddHours(-2));
            payload["exp"] = FakeTokens.ToNumericDate(now.AddMinutes(-1));
        });

        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("expired"));
    }

    [Test]
    public async Task CachedToken_ExpiresWithItsExp()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken(lifetime: TimeSpan.FromMinutes(10));
        var (first, _) = await GetStacksAsync(client, token);

        Time.Advance(TimeSpan.FromMinutes(11));
        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(AssertUnauthorized(response, body), Does.Contain("expired"));
    }

    [Test]
    public async Task ForgedTokenWithKnownKid_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        using var forger = FakeSigningKey.Create(keyId: Backstage.AuthKey.KeyId);

        var (response, body) = await GetStacksAsync(client, Backstage.IssueUserToken(key: forger));

        Assert.That(AssertUnauthorized(response, body), Does.Contain("signature is invalid"));
    }

    [TestCase("exp")]
    [TestCase("iat")]
    [TestCase("sub")]
    public async Task MissingRequiredClaim_Answers401(string claim)
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssueUserToken(customize: (_, payload) => payload.Remove(claim)));

        Assert.That(AssertUnauthorized(response, body), Does.Contain($"no {claim} claim"));
    }

    [TestCase("none")]
    [TestCase("None")]
    public async Task AlgNone_Answers401(string algorithm)
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var now = Time.GetUtcNow();
        var token = FakeTokens.WithoutSignature(
            new Dictionary<string, object?> { ["typ"] = FakeTokens.UserType, ["alg"] = algorithm, ["kid"] = Backstage.AuthKey.KeyId },
            new Dictionary<string, object?>
            {
                ["sub"] = "user:default/mallory",
                ["iat"] = FakeTokens.ToNumericDate(now),
                ["exp"] = FakeTokens.ToNumericDate(now.AddHours(1)),
            });

        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("alg none"));
    }

    [Test]
    public async Task Hs256SignedWithPublicKey_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var now = Time.GetUtcNow();
        var header = new Dictionary<string, object?> { ["typ"] = FakeTokens.UserType, ["alg"] = "HS256", ["kid"] = Backstage.AuthKey.KeyId };
        var payload = new Dictionary<string, object?>
        {
            ["sub"] = "user:default/mallory",
            ["iat"] = FakeTokens.ToNumericDate(now),
            ["exp"] = FakeTokens.ToNumericDate(now.AddHours(1)),
        };
        var withKeyBytes = FakeTokens.SignHs256(header, payload, Backstage.AuthKey.PublicKeyBytes());
        var withJwkText = FakeTokens.SignHs256(header, payload, Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(Backstage.AuthKey.PublicJwk())));

        var (keyBytesResponse, keyBytesBody) = await GetStacksAsync(client, withKeyBytes);
        var (jwkTextResponse, jwkTextBody) = await GetStacksAsync(client, withJwkText);

        Assert.That(AssertUnauthorized(keyBytesResponse, keyBytesBody), Does.Contain("signed with HS256"));
        Assert.That(AssertUnauthorized(jwkTextResponse, jwkTextBody), Does.Contain("signed with HS256"));
    }

    [Test]
    public async Task IssuedInTheFuture_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var now = Time.GetUtcNow();
        var token = Backstage.IssueUserToken(customize: (_, payload) => payload["iat"] = FakeTokens.ToNumericDate(now.AddMinutes(5)));

        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("issued in the future"));
    }

    [Test]
    public async Task IssuedWithinClockSkew_Accepted()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var now = Time.GetUtcNow();
        var token = Backstage.IssueUserToken(customize: (_, payload) => payload["iat"] = FakeTokens.ToNumericDate(now.AddSeconds(10)));

        var (response, _) = await GetStacksAsync(client, token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task NotBeforeInTheFuture_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var now = Time.GetUtcNow();
        var token = Backstage.IssueUserToken(customize: (_, payload) => payload["nbf"] = FakeTokens.ToNumericDate(now.AddMinutes(5)));

        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("not valid before"));
    }

    [Test]
    public async Task LegacyUserTokenWithBackstageAudience_Accepted()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken(customize: (header, _) => header.Remove("typ"));

        var (response, _) = await GetStacksAsync(client, token);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task UntypedTokenWithoutBackstageAudience_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken(customize: (header, payload) =>
        {
            header.Remove("typ");
            payload["aud"] = "catalog";
        });

        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("not a Backstage token"));
    }

    [Test]
    public async Task UnknownTokenType_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken(customize: (header, payload) =>
        {
            header["typ"] = "JWT";
            payload["aud"] = "catalog";
        });

        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("type 'JWT' is not accepted"));
    }

    [Test]
    public async Task TokenTypeWithLineBreak_EchoedWithoutIt()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken(customize: (header, payload) =>
        {
            header["typ"] = "JWT\nfake log line";
            payload["aud"] = "catalog";
        });

        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("type 'JWT?fake log line' is not accepted"));
    }

    [Test]
    public async Task LimitedUserTokenUsedDirectly_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, Backstage.IssueLimitedUserToken());

        Assert.That(AssertUnauthorized(response, body), Does.Contain("Limited user tokens"));
    }

    [Test]
    public async Task ConfiguredIssuer_MatchingAccepted_OtherRejected()
    {
        var issuer = new Uri(Backstage.BaseAddress, "/api/auth").ToString();
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:Issuer"] = issuer);
        using var client = proxy.CreateClient();

        var (matching, _) = await GetStacksAsync(client, Backstage.IssueUserToken());
        var (other, otherBody) = await GetStacksAsync(client, Backstage.IssueUserToken(customize: (_, payload) => payload["iss"] = "https://evil.example.com/api/auth"));

        Assert.That(matching.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(AssertUnauthorized(other, otherBody), Does.Contain("Backstage:Auth:Issuer"));
    }

    [Test]
    public async Task IdentityTokenAlgorithm_ES384_AcceptsOnlyES384()
    {
        var es384 = Backstage.RotateAuthKey("ES384");
        await using var proxy = CreateProxy(settings => settings["Backstage:AuthBackend:IdentityTokenAlgorithm"] = "ES384");
        using var client = proxy.CreateClient();
        var es256 = FakeSigningKey.Create("ES256");

        var (accepted, _) = await GetStacksAsync(client, Backstage.IssueUserToken(key: es384));
        var (rejected, rejectedBody) = await GetStacksAsync(client, Backstage.IssueUserToken(key: es256));

        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(AssertUnauthorized(rejected, rejectedBody), Does.Contain("only ES384 is accepted"));
    }

    [TestCase("/api/spacelift-io")]
    [TestCase("/api/spacelift")]
    public async Task HealthAndJwks_NeedNoCredentials(string basePath)
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (health, _) = await HttpJson.GetAsync(client, basePath + "/health");
        var (jwks, jwksBody) = await HttpJson.GetAsync(client, basePath + "/.backstage/auth/v1/jwks.json");
        var (swagger, _) = await HttpJson.GetAsync(client, "/swagger/v1/swagger.json");

        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(jwks.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(jwksBody.GetRawText(), Is.EqualTo("""{"keys":[]}"""));
        Assert.That(swagger.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("/.backstage/health/v1/liveness")]
    [TestCase("/.backstage/health/v1/readiness")]
    [TestCase("/metrics")]
    public async Task RootLevelOperationsRoutes_NeedNoCredentials(string path)
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var response = await client.GetAsync(new Uri(path, UriKind.Relative)).WaitAsync(HttpJson.Timeout);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task UnmatchedRoutes_AnswerWithoutCredentials()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (unknown, _) = await HttpJson.GetAsync(client, "/api/spacelift-io/no-such-route");
        var (wrongMethod, _) = await HttpJson.SendAsync(client, HttpMethod.Delete, StacksPath, authorization: null);
        var (underStacks, underStacksBody) = await HttpJson.GetAsync(client, StacksPath + "/x/y/z");

        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(wrongMethod.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the catch-all under /stacks answers every method, behind the barrier");
        Assert.That(AssertUnauthorized(underStacks, underStacksBody), Does.StartWith("Missing credentials"), "the catch-all under /stacks is a route");
    }

    [Test]
    public async Task SameToken_SignatureCheckedOnce()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var token = Backstage.IssueUserToken();
        var cache = proxy.Services.GetRequiredService<VerifiedTokenCache>();

        for (var i = 0; i < 20; i++)
        {
            var (response, _) = await GetStacksAsync(client, token);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        Assert.That(cache.Hits, Is.EqualTo(19));
        Assert.That(cache.Count, Is.EqualTo(1));
        Assert.That(Backstage.AuthJwksRequests, Is.EqualTo(1));
    }

    [Test]
    public async Task Rejection_LogsNoToken()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();
        var expired = Backstage.IssueUserToken(lifetime: TimeSpan.FromSeconds(-1));

        var (response, _) = await GetStacksAsync(client, expired);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(Logs.Entries.Select(entry => entry.Message), Has.None.Contains(expired));
        Assert.That(Logs.Entries.Select(entry => entry.Message), Has.None.Contains(expired.Split('.')[2]));
    }
}
