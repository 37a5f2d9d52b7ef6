using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Auth;
using SpaceliftProxy.FakeSpacelift.Backstage;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Auth;

/// <summary>backend.auth.externalAccess static and legacy entries, the deprecated keys, and their start-up checks.</summary>
public sealed class ExternalAccessTests : BarrierTestBase
{
    private const string StaticToken = "ci-token-5b0d2c7e9f";

    private static readonly byte[] LegacySecret = RandomNumberGenerator.GetBytes(24);

    [Test]
    public async Task StaticToken_Accepted()
    {
        await using var proxy = CreateProxy(settings => AddStatic(settings, 0, StaticToken, "ci-bot"));
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, StaticToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task StaticToken_UnderConfigKey_Accepted()
    {
        await using var proxy = CreateProxy(settings =>
        {
            settings["Backstage:Auth:ExternalAccess:0:Type"] = "static";
            settings["Backstage:Auth:ExternalAccess:0:Config:Token"] = StaticToken;
            settings["Backstage:Auth:ExternalAccess:0:Config:Subject"] = "ci-bot";
        });
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, StaticToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task StaticToken_SimilarToken_Answers401()
    {
        await using var proxy = CreateProxy(settings => AddStatic(settings, 0, StaticToken, "ci-bot"));
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, StaticToken + "x");

        Assert.That(AssertUnauthorized(response, body), Does.Contain("neither a JWT nor a configured static token"));
    }

    [Test]
    public async Task StaticToken_RestrictedToOtherPlugins_Answers403()
    {
        await using var proxy = CreateProxy(settings =>
        {
            AddStatic(settings, 0, StaticToken, "ci-bot");
            settings["Backstage:Auth:ExternalAccess:0:AccessRestrictions:0:Plugin"] = "catalog";
            settings["Backstage:Auth:ExternalAccess:0:AccessRestrictions:1:Plugin"] = "scaffolder";
        });
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, StaticToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(HttpJson.Error(body), Does.Contain("restricted to plugin(s) 'catalog', 'scaffolder'"));
        Assert.That(response.Headers.WwwAuthenticate, Is.Empty);
    }

    [TestCase("spacelift-io")]
    [TestCase("spacelift")]
    public async Task StaticToken_RestrictedToThisPlugin_Accepted(string pluginId)
    {
        await using var proxy = CreateProxy(settings =>
        {
            AddStatic(settings, 0, StaticToken, "ci-bot");
            settings["Backstage:Auth:ExternalAccess:0:AccessRestrictions:0:Plugin"] = "catalog";
            settings["Backstage:Auth:ExternalAccess:0:AccessRestrictions:1:Plugin"] = pluginId;
        });
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, StaticToken);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task LegacyToken_SignedWithSecret_Accepted()
    {
        await using var proxy = CreateProxy(settings => AddLegacy(settings, 0, Convert.ToBase64String(LegacySecret), "legacy-caller"));
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, LegacyToken(LegacySecret));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task LegacyToken_Base64UrlSecretWithoutPadding_Accepted()
    {
        var secret = RandomNumberGenerator.GetBytes(31);
        var base64Url = Convert.ToBase64String(secret).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var proxy = CreateProxy(settings => AddLegacy(settings, 0, base64Url, "legacy-caller"));
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, LegacyToken(secret));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task LegacyToken_OtherSecret_Answers401()
    {
        await using var proxy = CreateProxy(settings => AddLegacy(settings, 0, Convert.ToBase64String(LegacySecret), "legacy-caller"));
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, LegacyToken(RandomNumberGenerator.GetBytes(24)));

        Assert.That(AssertUnauthorized(response, body), Does.Contain("matches none of the configured legacy secrets"));
    }

    [Test]
    public async Task LegacyToken_NoLegacyEntry_Answers401()
    {
        await using var proxy = CreateProxy();
        using var client = proxy.CreateClient();

        var (response, body) = await GetStacksAsync(client, LegacyToken(LegacySecret));

        Assert.That(AssertUnauthorized(response, body), Does.Contain("no Backstage:Auth:ExternalAccess entry of type legacy"));
    }

    [Test]
    public async Task LegacyToken_OtherSubjectOrAudience_Answers401()
    {
        await using var proxy = CreateProxy(settings => AddLegacy(settings, 0, Convert.ToBase64String(LegacySecret), "legacy-caller"));
        using var client = proxy.CreateClient();

        var (otherSubject, otherSubjectBody) = await GetStacksAsync(client, LegacyToken(LegacySecret, payload => payload["sub"] = "someone-else"));
        var (withAudience, withAudienceBody) = await GetStacksAsync(client, LegacyToken(LegacySecret, payload => payload["aud"] = "catalog"));

        Assert.That(AssertUnauthorized(otherSubject, otherSubjectBody), Does.Contain("not a Backstage token"));
        Assert.That(AssertUnauthorized(withAudience, withAudienceBody), Does.Contain("not a Backstage token"));
    }

    [Test]
    public async Task LegacyToken_Expired_Answers401()
    {
        await using var proxy = CreateProxy(settings => AddLegacy(settings, 0, Convert.ToBase64String(LegacySecret), "legacy-caller"));
        using var client = proxy.CreateClient();
        var now = Time.GetUtcNow();

        var token = LegacyToken(LegacySecret, payload => payload["exp"] = FakeTokens.ToNumericDate(now.AddMinutes(-1)));
        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("legacy service token expired"));
    }

    [Test]
    public async Task LegacyToken_AlgorithmNotInHeader_Answers401()
    {
        await using var proxy = CreateProxy(settings => AddLegacy(settings, 0, Convert.ToBase64String(LegacySecret), "legacy-caller"));
        using var client = proxy.CreateClient();
        var now = Time.GetUtcNow();

        var token = FakeTokens.SignHs256(
            new Dictionary<string, object?>(),
            new Dictionary<string, object?> { ["sub"] = "backstage-server", ["exp"] = FakeTokens.ToNumericDate(now.AddHours(1)) },
            LegacySecret);
        var (response, body) = await GetStacksAsync(client, token);

        Assert.That(AssertUnauthorized(response, body), Does.Contain("not a Backstage token"));
    }

    [Test]
    public async Task DeprecatedKeys_AcceptedAsBackstagePlugin()
    {
        await using var proxy = CreateProxy(settings =>
        {
            settings["Backstage:Auth:Keys:0:Secret"] = Convert.ToBase64String(LegacySecret);
            settings["Backstage:Auth:ActionAllowList:Services:0"] = ExternalAccessTokens.LegacyKeysSubject;
        });
        using var client = proxy.CreateClient();

        var (response, _) = await TriggerAsync(client, LegacyToken(LegacySecret));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(
            Logs.Entries.Where(entry => entry.Level == LogLevel.Warning).Select(entry => entry.Message),
            Has.Some.Contains("Backstage:Auth:Keys (backend.auth.keys) is deprecated"));
    }

    [Test]
    public async Task BarrierOff_LogsWarningAndAcceptsAnonymous()
    {
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:DangerouslyDisableDefaultAuthPolicy"] = "true");
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, token: null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(
            Logs.Entries.Where(entry => entry.Level == LogLevel.Warning).Select(entry => entry.Message),
            Has.Some.Contains("DangerouslyDisableDefaultAuthPolicy is true"));
    }

    [Test]
    public async Task BarrierOff_InvalidToken_StillAccepted()
    {
        await using var proxy = CreateProxy(settings => settings["Backstage:Auth:DangerouslyDisableDefaultAuthPolicy"] = "true");
        using var client = proxy.CreateClient();

        var (response, _) = await GetStacksAsync(client, "not-a-valid-token");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    public static IEnumerable<TestCaseData> InvalidSettings()
    {
        yield return new TestCaseData(Settings(("Type", "static"), ("Options:Token", "short7!"), ("Options:Subject", "ci-bot")), "Backstage:Auth:ExternalAccess:0:Options:Token is invalid", "short7!")
            .SetName("Start_StaticTokenShorterThan8_NamesSetting");
        yield return new TestCaseData(Settings(("Type", "static"), ("Options:Token", "has white space"), ("Options:Subject", "ci-bot")), "Backstage:Auth:ExternalAccess:0:Options:Token is invalid", "has white space")
            .SetName("Start_StaticTokenWithWhitespace_NamesSetting");
        yield return new TestCaseData(Settings(("Type", "static"), ("Options:Token", StaticToken)), "Backstage:Auth:ExternalAccess:0:Options:Subject is missing", StaticToken)
            .SetName("Start_StaticTokenWithoutSubject_NamesSetting");
        yield return new TestCaseData(Settings(("Type", "static"), ("Config:Token", "tiny42"), ("Config:Subject", "ci-bot")), "Backstage:Auth:ExternalAccess:0:Config:Token is invalid", "tiny42")
            .SetName("Start_ShortTokenUnderConfig_NamesSetting");
        yield return new TestCaseData(Settings(("Type", "legacy"), ("Options:Secret", "not base64!"), ("Options:Subject", "x")), "Backstage:Auth:ExternalAccess:0:Options:Secret is invalid", "not base64!")
            .SetName("Start_LegacySecretNotBase64_NamesSetting");
        yield return new TestCaseData(Settings(("Type", "magic"), ("Options:Token", StaticToken), ("Options:Subject", "x")), "Backstage:Auth:ExternalAccess:0:Type is 'magic'", StaticToken)
            .SetName("Start_UnknownType_NamesSetting");
        yield return new TestCaseData(Settings(("Type", "static"), ("Options:Token", StaticToken), ("Options:Subject", "x"), ("AccessRestrictions:0:Permission", "catalog.entity.read")), "Backstage:Auth:ExternalAccess:0:AccessRestrictions:0:Plugin is missing", StaticToken)
            .SetName("Start_RestrictionWithoutPlugin_NamesSetting");
    }

    [TestCaseSource(nameof(InvalidSettings))]
    public void Start_InvalidExternalAccess(Dictionary<string, string?> entry, string expectedMessage, string secret)
    {
        var failure = ValidationFailure(settings =>
        {
            foreach (var (key, value) in entry)
            {
                settings[key] = value;
            }
        });

        Assert.That(failure, Does.Contain(expectedMessage));
        Assert.That(failure, Does.Not.Contain(secret), "start-up errors never print a token or secret");
    }

    [Test]
    public void Start_BarrierOnWithoutBaseUrl_NamesSetting() =>
        Assert.That(ValidationFailure(settings => settings.Remove("Backstage:BaseUrl")), Does.Contain("Backstage:BaseUrl is missing"));

    [Test]
    public void Start_UnsupportedIdentityTokenAlgorithm_NamesSetting() =>
        Assert.That(
            ValidationFailure(settings => settings["Backstage:AuthBackend:IdentityTokenAlgorithm"] = "EdDSA"),
            Does.Contain("Backstage:AuthBackend:IdentityTokenAlgorithm is 'EdDSA'"));

    [Test]
    public void Start_InvalidAllowListEntry_NamesSetting() =>
        Assert.That(
            ValidationFailure(settings => settings["Backstage:Auth:ActionAllowList:Users:0"] = "user:default/"),
            Does.Contain("Backstage:Auth:ActionAllowList:Users:0 is invalid"));

    [Test]
    public void Start_InvalidDiscoveryTarget_NamesSetting() =>
        Assert.That(
            ValidationFailure(settings =>
            {
                settings["Backstage:Discovery:Endpoints:0:Target"] = "backstage:7007/api/{{pluginId}}";
                settings["Backstage:Discovery:Endpoints:0:Plugins:0"] = "scaffolder";
            }),
            Does.Contain("Backstage:Discovery:Endpoints:0:Target is invalid"));

    [Test]
    public void Start_RefetchIntervalTooShort_NamesSetting() =>
        Assert.That(
            ValidationFailure(settings => settings["Backstage:Auth:JwksRefetchInterval"] = "00:00:00.010"),
            Does.Contain("Backstage:Auth:JwksRefetchInterval is 00:00:00.0100000: it must be between 00:00:01 and 00:10:00"));

    [Test]
    public void Start_TriggersPerMinuteNegative_NamesSetting() =>
        Assert.That(
            ValidationFailure(settings => settings["Backstage:Auth:TriggersPerMinute"] = "-1"),
            Does.Contain("Backstage:Auth:TriggersPerMinute is -1: it must be between 0 and 100000"));

    private static void AddStatic(Dictionary<string, string?> settings, int index, string token, string subject)
    {
        settings[$"Backstage:Auth:ExternalAccess:{index}:Type"] = "static";
        settings[$"Backstage:Auth:ExternalAccess:{index}:Options:Token"] = token;
        settings[$"Backstage:Auth:ExternalAccess:{index}:Options:Subject"] = subject;
    }

    private static void AddLegacy(Dictionary<string, string?> settings, int index, string secret, string subject)
    {
        settings[$"Backstage:Auth:ExternalAccess:{index}:Type"] = "legacy";
        settings[$"Backstage:Auth:ExternalAccess:{index}:Options:Secret"] = secret;
        settings[$"Backstage:Auth:ExternalAccess:{index}:Options:Subject"] = subject;
    }

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] values) =>
        values.ToDictionary(pair => "Backstage:Auth:ExternalAccess:0:" + pair.Key, pair => (string?)pair.Value);

    /// <summary>A legacy token as Backstage's token manager issues it: HS256, <c>sub: backstage-server</c>, one hour.</summary>
    private string LegacyToken(byte[] secret, Action<Dictionary<string, object?>>? customize = null)
    {
        var now = Time.GetUtcNow();
        var payload = new Dictionary<string, object?>
        {
            ["sub"] = "backstage-server",
            ["iat"] = FakeTokens.ToNumericDate(now),
            ["exp"] = FakeTokens.ToNumericDate(now.AddHours(1)),
        };
        customize?.Invoke(payload);

        return FakeTokens.SignHs256(new Dictionary<string, object?> { ["alg"] = "HS256" }, payload, secret);
    }

    /// <summary>
    /// Binds and validates the auth settings as start-up does, with the barrier on and a base URL
    /// unless <paramref name="configure"/> changes them, and returns the failure messages.
    /// </summary>
    private string ValidationFailure(Action<Dictionary<string, string?>> configure)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Backstage:BaseUrl"] = BackstageBaseUrl,
        };
        configure(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddBackstageAuth();
        using var provider = services.BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => _ = provider.GetRequiredService<IOptions<BackstageAuthOptions>>().Value);

        return string.Join("\n", exception!.Failures);
    }
}
