using SpaceliftProxy.Configuration;

namespace SpaceliftProxy.Tests.Configuration;

/// <summary>
/// Tests of <see cref="BackstageAppConfig.Load"/> against an in-memory file system and environment.
/// </summary>
[TestFixture]
public sealed class BackstageAppConfigTests
{
    private static readonly string ConfigDirectory =
        Path.GetFullPath(Path.Combine(Path.GetTempPath(), "backstage-app-config-tests"));

    private Dictionary<string, string> _files = null!;
    private Dictionary<string, string> _environment = null!;

    [SetUp]
    public void SetUp()
    {
        _files = new Dictionary<string, string>(StringComparer.Ordinal);
        _environment = new Dictionary<string, string>(StringComparer.Ordinal);
    }

    // ---- ${VAR} substitution ----

    [Test]
    public void Load_Variable_IsSubstituted()
    {
        _environment["SPACELIFT_API_KEY"] = "01HKEY";
        var config = LoadYaml("""
            spacelift:
              apiKey: ${SPACELIFT_API_KEY}
            """);

        Assert.That(config["Spacelift:ApiKey"], Is.EqualTo("01HKEY"));
    }

    [Test]
    public void Load_SeveralVariablesWithText_AreSubstituted()
    {
        _environment["HOST"] = "backstage.example.com";
        _environment["PORT"] = "7007";
        var config = LoadYaml("""
            backend:
              baseUrl: https://${HOST}:${PORT}/api
            """);

        Assert.That(config["Backstage:BaseUrl"], Is.EqualTo("https://backstage.example.com:7007/api"));
    }

    [Test]
    public void Load_EscapedVariable_KeepsLiteral()
    {
        _environment["HOST"] = "backstage.example.com";
        var config = LoadYaml("""
            spacelift:
              template: $${HOST} is ${HOST}
            """);

        Assert.That(config["Spacelift:Template"], Is.EqualTo("${HOST} is backstage.example.com"));
    }

    [Test]
    public void Load_VariableNameWithSpaces_IsTrimmed()
    {
        _environment["HOST"] = "acme.app.spacelift.io";
        var config = LoadYaml("""
            spacelift:
              hostUrl: ${ HOST }
            """);

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("acme.app.spacelift.io"));
    }

    [Test]
    public void Load_VariableValue_IsTrimmed()
    {
        _environment["SPACELIFT_API_KEY"] = "  01HKEY\n";
        var config = LoadYaml("""
            spacelift:
              apiKey: ${SPACELIFT_API_KEY}
            """);

        Assert.That(config["Spacelift:ApiKey"], Is.EqualTo("01HKEY"));
    }

    [Test]
    public void Load_EmptyVariable_GivesEmptyString()
    {
        _environment["SPACELIFT_API_KEY"] = "";
        var config = LoadYaml("""
            spacelift:
              apiKey: ${SPACELIFT_API_KEY}
            """);

        Assert.That(config["Spacelift:ApiKey"], Is.EqualTo(""));
    }

    [Test]
    public void Load_MissingVariable_OmitsKey()
    {
        var config = LoadYaml("""
            spacelift:
              hostUrl: acme.app.spacelift.io
              apiSecret: prefix-${SPACELIFT_API_SECRET}
            """);

        Assert.That(config.ContainsKey("Spacelift:ApiSecret"), Is.False);
        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("acme.app.spacelift.io"));
    }

    [Test]
    public void Load_MissingVariableInList_DropsItem()
    {
        _environment["SECOND"] = "second";
        var config = LoadYaml("""
            backend:
              auth:
                keys:
                  - secret: ${FIRST}
                  - ${FIRST}
                  - secret: ${SECOND}
            """);

        // The mapping stays but loses its key, and the bare string is dropped, moving later items up.
        Assert.That(config.ContainsKey("Backstage:Auth:Keys:0:Secret"), Is.False);
        Assert.That(config["Backstage:Auth:Keys:1:Secret"], Is.EqualTo("second"));
        Assert.That(config.ContainsKey("Backstage:Auth:Keys:2"), Is.False);
    }

    [Test]
    public void Load_VariableInQuotedString_IsSubstituted()
    {
        _environment["TOKEN"] = "abc";
        var config = LoadYaml("""
            spacelift:
              apiSecret: "${TOKEN}"
            """);

        Assert.That(config["Spacelift:ApiSecret"], Is.EqualTo("abc"));
    }

    // ---- $env ----

    [Test]
    public void Load_EnvMapping_ReturnsVariable()
    {
        _environment["SPACELIFT_SECRET"] = "s3cr3t";
        var config = LoadYaml("""
            spacelift:
              apiSecret: { $env: SPACELIFT_SECRET }
            """);

        Assert.That(config["Spacelift:ApiSecret"], Is.EqualTo("s3cr3t"));
    }

    [Test]
    public void Load_EnvMappingUnset_OmitsKey()
    {
        var config = LoadYaml("""
            spacelift:
              hostUrl: acme.app.spacelift.io
              apiSecret:
                $env: SPACELIFT_SECRET
            """);

        Assert.That(config.ContainsKey("Spacelift:ApiSecret"), Is.False);
        Assert.That(config.ContainsKey("Spacelift:ApiSecret:$env"), Is.False);
        Assert.That(config, Has.Count.EqualTo(1));
    }

    [Test]
    public void Load_EnvMappingValue_IsNotSubstitutedAgain()
    {
        _environment["TEMPLATE"] = "${OTHER}";
        var config = LoadYaml("""
            spacelift:
              template: { $env: TEMPLATE }
            """);

        Assert.That(config["Spacelift:Template"], Is.EqualTo("${OTHER}"));
    }

    [Test]
    public void Load_EnvMappingWithNonString_Throws()
    {
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              apiSecret: { $env: [A, B] }
            """));

        Assert.That(exception.Message, Does.Contain("Invalid $env at 'spacelift.apiSecret'"));
        Assert.That(exception.Message, Does.Contain("must be a string"));
    }

    // ---- $file ----

    [Test]
    public void Load_FileMapping_ReadsRelativeToConfigFile()
    {
        AddFile("secrets/spacelift-secret.txt", "s3cr3t\n\n");
        var config = LoadYaml("""
            spacelift:
              apiSecret: { $file: ./secrets/spacelift-secret.txt }
            """);

        Assert.That(config["Spacelift:ApiSecret"], Is.EqualTo("s3cr3t"));
    }

    [Test]
    public void Load_FilePathVariable_IsSubstituted()
    {
        _environment["SECRETS"] = "secrets";
        AddFile("secrets/key.txt", "01HKEY");
        var config = LoadYaml("""
            spacelift:
              apiKey: { $file: "${SECRETS}/key.txt" }
            """);

        Assert.That(config["Spacelift:ApiKey"], Is.EqualTo("01HKEY"));
    }

    [Test]
    public void Load_FilePathUnsetVariable_Throws()
    {
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              apiKey: { $file: "${SECRETS}/key.txt" }
            """));

        Assert.That(exception.Message, Does.Contain("'${SECRETS}/key.txt' refers to an environment variable that is not set"));
    }

    [Test]
    public void Load_FileMappingMissing_Throws()
    {
        var missing = Path.Combine(ConfigDirectory, "secrets", "absent.txt");
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              apiSecret: { $file: secrets/absent.txt }
            """));

        Assert.That(exception.Message, Does.Contain($"Cannot read '{missing}'"));
        Assert.That(exception.Message, Does.Contain("$file at 'spacelift.apiSecret'"));
        Assert.That(exception.Message, Does.Contain(Path.Combine(ConfigDirectory, "app-config.yaml")));
    }

    // ---- $include ----

    [Test]
    public void Load_IncludeYaml_InsertsContent()
    {
        AddFile("spacelift.yaml", """
            hostUrl: acme.app.spacelift.io
            readOnly: true
            """);
        var config = LoadYaml("""
            spacelift:
              $include: spacelift.yaml
            """);

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("acme.app.spacelift.io"));
        Assert.That(config["Spacelift:ReadOnly"], Is.EqualTo("true"));
    }

    [Test]
    public void Load_IncludeJson_InsertsContent()
    {
        AddFile("spacelift.json", """
            {
            	"hostUrl": "acme.app.spacelift.io",
            	"readOnly": false,
            	"timeoutSeconds": 30,
            	"apiKey": null,
            	"tags": ["a", "b"]
            }
            """);
        var config = LoadYaml("""
            spacelift:
              $include: ./spacelift.json
            """);

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("acme.app.spacelift.io"));
        Assert.That(config["Spacelift:ReadOnly"], Is.EqualTo("false"));
        Assert.That(config["Spacelift:TimeoutSeconds"], Is.EqualTo("30"));
        Assert.That(config["Spacelift:ApiKey"], Is.Null);
        Assert.That(config["Spacelift:Tags:1"], Is.EqualTo("b"));
    }

    [Test]
    public void Load_IncludeWithDataPath_SelectsValue()
    {
        AddFile("shared.yaml", """
            environments:
              production:
                hostUrl: acme.app.spacelift.io
            """);
        var config = LoadYaml("""
            spacelift:
              $include: shared.yaml#environments.production
            """);

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("acme.app.spacelift.io"));
    }

    [Test]
    public void Load_IncludeWithMissingDataPath_OmitsKey()
    {
        AddFile("shared.yaml", "environments: {}");
        var config = LoadYaml("""
            spacelift:
              $include: shared.yaml#environments.production
            """);

        Assert.That(config, Is.Empty);
    }

    [Test]
    public void Load_DataPathThroughScalar_Throws()
    {
        AddFile("shared.yaml", "environments: production");
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              $include: shared.yaml#environments.production.hostUrl
            """));

        Assert.That(exception.Message, Does.Contain("the value at 'environments'"));
        Assert.That(exception.Message, Does.Contain("is not a mapping"));
    }

    [Test]
    public void Load_IncludedString_IsSubstituted()
    {
        _environment["HOST"] = "acme.app.spacelift.io";
        AddFile("host.yaml", "${HOST}");
        var config = LoadYaml("""
            spacelift:
              hostUrl: { $include: host.yaml }
            """);

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("acme.app.spacelift.io"));
    }

    [Test]
    public void Load_IncludedFile_UsesOwnDirectory()
    {
        AddFile("shared/spacelift.yaml", """
            apiSecret: { $file: secret.txt }
            extra: { $include: nested/extra.yaml }
            """);
        AddFile("shared/secret.txt", "s3cr3t");
        AddFile("shared/nested/extra.yaml", "value: deep");
        var config = LoadYaml("""
            spacelift:
              $include: shared/spacelift.yaml
            """);

        Assert.That(config["Spacelift:ApiSecret"], Is.EqualTo("s3cr3t"));
        Assert.That(config["Spacelift:Extra:Value"], Is.EqualTo("deep"));
    }

    [Test]
    public void Load_IncludeAtTopLevel_InsertsWholeConfig()
    {
        AddFile("base.yaml", """
            spacelift:
              hostUrl: acme.app.spacelift.io
            """);
        var config = LoadYaml("$include: base.yaml");

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("acme.app.spacelift.io"));
    }

    [Test]
    public void Load_IncludeOfBackendSection_PicksMappedKeys()
    {
        AddFile("backend.yaml", """
            baseUrl: http://localhost:7007
            database:
              connection: { $file: /nonexistent/ca.pem }
            """);
        var config = LoadYaml("""
            backend:
              $include: backend.yaml
            """);

        Assert.That(config["Backstage:BaseUrl"], Is.EqualTo("http://localhost:7007"));
        Assert.That(config, Has.Count.EqualTo(1));
    }

    [Test]
    public void Load_IncludeLoop_Throws()
    {
        AddFile("a.yaml", "inner: { $include: b.yaml }");
        AddFile("b.yaml", "inner: { $include: a.yaml }");
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              $include: a.yaml
            """));

        Assert.That(exception.Message, Does.Contain("includes itself"));
    }

    [Test]
    public void Load_IncludeUnknownExtension_Throws()
    {
        AddFile("spacelift.txt", "hostUrl: x");
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              $include: spacelift.txt
            """));

        Assert.That(exception.Message, Does.Contain("'spacelift.txt' must end in .yaml, .yml or .json"));
    }

    [Test]
    public void Load_IncludeMissingFile_ThrowsNamingFile()
    {
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              $include: absent.yaml
            """));

        Assert.That(exception.Message, Does.Contain($"Cannot read '{Path.Combine(ConfigDirectory, "absent.yaml")}'"));
        Assert.That(exception.Message, Does.Contain("$include at 'spacelift'"));
    }

    [Test]
    public void Load_IncludeInvalidYaml_ThrowsNamingIncludedFile()
    {
        AddFile("broken.yaml", "a: [1, 2");
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              $include: broken.yaml
            """));

        Assert.That(exception.Message, Does.Contain($"Invalid YAML in '{Path.Combine(ConfigDirectory, "broken.yaml")}'"));
    }

    [Test]
    public void Load_IncludeInvalidJson_ReportsLine()
    {
        AddFile("broken.json", "{\n  \"hostUrl\": \"x\",\n  oops\n}");
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              $include: broken.json
            """));

        Assert.That(exception.Message, Does.Contain($"Invalid JSON in '{Path.Combine(ConfigDirectory, "broken.json")}' at line 3"));
    }

    // ---- Invalid $ keys ----

    [Test]
    public void Load_UnknownDollarKey_Throws()
    {
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              apiSecret:
                $secret: SPACELIFT_SECRET
            """));

        Assert.That(exception.Message, Does.Contain("Unknown key '$secret' at 'spacelift.apiSecret'"));
        Assert.That(exception.Message, Does.Contain(Path.Combine(ConfigDirectory, "app-config.yaml")));
    }

    [Test]
    public void Load_DollarKeyWithWrongCase_IsUnknown()
    {
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              apiSecret: { $ENV: SPACELIFT_SECRET }
            """));

        Assert.That(exception.Message, Does.Contain("Unknown key '$ENV'"));
    }

    [Test]
    public void Load_TransformKeyWithSiblings_Throws()
    {
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            spacelift:
              apiSecret:
                $env: SPACELIFT_SECRET
                fallback: x
            """));

        Assert.That(exception.Message, Does.Contain("$env must be the only key in its mapping"));
    }

    // ---- Files ----

    [Test]
    public void Load_MissingFile_ThrowsNamingFile()
    {
        var path = Path.Combine(ConfigDirectory, "app-config.production.yaml");
        var exception = Assert.Throws<StartupException>(() => Load(path));

        Assert.That(exception.Message, Does.Contain($"Cannot read the Backstage app-config file '{path}'"));
        Assert.That(exception.Message, Does.Contain("--config"));
    }

    [Test]
    public void Load_InvalidYaml_ReportsFileLineAndColumn()
    {
        var path = AddFile("app-config.yaml", """
            spacelift:
              hostUrl: acme.app.spacelift.io
              apiKey: [unclosed
            backend:
              baseUrl: http://localhost:7007
            """);
        var exception = Assert.Throws<StartupException>(() => Load(path));

        Assert.That(exception.Message, Does.StartWith($"Invalid YAML in '{path}' at line 4, column 1:"));
    }

    [Test]
    public void Load_BadIndentation_ReportsLine()
    {
        var path = AddFile("app-config.yaml", """
            spacelift:
              hostUrl: acme.app.spacelift.io
             apiKey: key
            """);
        var exception = Assert.Throws<StartupException>(() => Load(path));

        Assert.That(exception.Message, Does.Contain("at line 3"));
    }

    [Test]
    public void Load_DuplicateKey_Throws()
    {
        var path = AddFile("app-config.yaml", """
            spacelift:
              hostUrl: a.app.spacelift.io
              hostUrl: b.app.spacelift.io
            """);
        var exception = Assert.Throws<StartupException>(() => Load(path));

        Assert.That(exception.Message, Does.StartWith($"Invalid YAML in '{path}' at line 3"));
    }

    [Test]
    public void Load_SeveralDocuments_Throws()
    {
        var path = AddFile("app-config.yaml", """
            spacelift:
              hostUrl: a.app.spacelift.io
            ---
            spacelift:
              hostUrl: b.app.spacelift.io
            """);
        var exception = Assert.Throws<StartupException>(() => Load(path));

        Assert.That(exception.Message, Does.Contain("more than one YAML document"));
    }

    [Test]
    public void Load_TopLevelList_Throws()
    {
        var path = AddFile("app-config.yaml", "- spacelift");
        var exception = Assert.Throws<StartupException>(() => Load(path));

        Assert.That(exception.Message, Does.Contain("the top level must be a mapping"));
    }

    [Test]
    public void Load_EmptyFile_ReturnsNothing()
    {
        var config = LoadYaml("");

        Assert.That(config, Is.Empty);
    }

    [Test]
    public void Load_NoFiles_ReturnsNothing()
    {
        var config = Load();

        Assert.That(config, Is.Empty);
    }

    [Test]
    public void Load_RelativePath_ResolvesAgainstCurrentDirectory()
    {
        var relative = Path.Combine("configs", "app-config.yaml");
        _files[Path.GetFullPath(relative)] = "spacelift: { hostUrl: acme.app.spacelift.io }";

        var config = Load(relative);

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("acme.app.spacelift.io"));
    }

    // ---- Merging several files ----

    [Test]
    public void Load_TwoFiles_LaterWins()
    {
        var first = AddFile("app-config.yaml", """
            spacelift:
              hostUrl: dev.app.spacelift.io
            """);
        var second = AddFile("app-config.production.yaml", """
            spacelift:
              hostUrl: prod.app.spacelift.io
            """);

        var config = Load(first, second);

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("prod.app.spacelift.io"));
    }

    [Test]
    public void Load_TwoFiles_MergeMappingsDeeply()
    {
        var first = AddFile("app-config.yaml", """
            spacelift:
              hostUrl: acme.app.spacelift.io
              apiKey: dev-key
            backend:
              baseUrl: http://localhost:7007
              auth:
                dangerouslyDisableDefaultAuthPolicy: true
            """);
        var second = AddFile("app-config.production.yaml", """
            spacelift:
              apiKey: prod-key
            backend:
              auth:
                keys:
                  - secret: prod-secret
            """);

        var config = Load(first, second);

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("acme.app.spacelift.io"));
        Assert.That(config["Spacelift:ApiKey"], Is.EqualTo("prod-key"));
        Assert.That(config["Backstage:BaseUrl"], Is.EqualTo("http://localhost:7007"));
        Assert.That(config["Backstage:Auth:DangerouslyDisableDefaultAuthPolicy"], Is.EqualTo("true"));
        Assert.That(config["Backstage:Auth:Keys:0:Secret"], Is.EqualTo("prod-secret"));
    }

    [Test]
    public void Load_TwoFiles_ReplaceListsWhole()
    {
        var first = AddFile("app-config.yaml", """
            backend:
              auth:
                keys:
                  - secret: one
                  - secret: two
                  - secret: three
            """);
        var second = AddFile("app-config.production.yaml", """
            backend:
              auth:
                keys:
                  - secret: only
            """);

        var config = Load(first, second);

        Assert.That(config["Backstage:Auth:Keys:0:Secret"], Is.EqualTo("only"));
        Assert.That(config.ContainsKey("Backstage:Auth:Keys:1:Secret"), Is.False);
        Assert.That(config.ContainsKey("Backstage:Auth:Keys:2:Secret"), Is.False);
    }

    [Test]
    public void Load_LaterEmptyList_RemovesEarlierItems()
    {
        var first = AddFile("app-config.yaml", """
            discovery:
              endpoints:
                - target: http://catalog:7007/api/{{pluginId}}
                  plugins: [catalog]
            """);
        var second = AddFile("app-config.production.yaml", """
            discovery:
              endpoints: []
            """);

        var config = Load(first, second);

        Assert.That(config, Is.Empty);
    }

    [Test]
    public void Load_LaterScalar_ReplacesMapping()
    {
        var first = AddFile("app-config.yaml", """
            spacelift:
              extra:
                a: 1
            """);
        var second = AddFile("app-config.production.yaml", """
            spacelift:
              extra: plain
            """);

        var config = Load(first, second);

        Assert.That(config["Spacelift:Extra"], Is.EqualTo("plain"));
        Assert.That(config.ContainsKey("Spacelift:Extra:A"), Is.False);
    }

    [Test]
    public void Load_LaterMissingVariable_KeepsEarlierValue()
    {
        var first = AddFile("app-config.yaml", """
            spacelift:
              apiKey: dev-key
            """);
        var second = AddFile("app-config.production.yaml", """
            spacelift:
              apiKey: ${SPACELIFT_API_KEY}
            """);

        var config = Load(first, second);

        Assert.That(config["Spacelift:ApiKey"], Is.EqualTo("dev-key"));
    }

    [Test]
    public void Load_LaterNull_ReplacesValue()
    {
        var first = AddFile("app-config.yaml", """
            spacelift:
              apiKey: dev-key
            """);
        var second = AddFile("app-config.production.yaml", """
            spacelift:
              apiKey: null
            """);

        var config = Load(first, second);

        Assert.That(config.ContainsKey("Spacelift:ApiKey"), Is.True);
        Assert.That(config["Spacelift:ApiKey"], Is.Null);
    }

    [Test]
    public void Load_KeysDifferingInCase_LaterWins()
    {
        var first = AddFile("app-config.yaml", "spacelift: { hostUrl: a.app.spacelift.io }");
        var second = AddFile("app-config.production.yaml", "spacelift: { HostUrl: b.app.spacelift.io }");

        var config = Load(first, second);

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("b.app.spacelift.io"));
        Assert.That(config, Has.Count.EqualTo(1));
    }

    // ---- Mapping onto .NET keys ----

    [Test]
    public void Load_SpaceliftSection_MapsEveryKey()
    {
        var config = LoadYaml("""
            spacelift:
              hostUrl: acme.app.spacelift.io
              apiKey: 01HKEY
              apiSecret: s3cr3t
              readOnly: true
              future:
                nested:
                  - first
                  - second
            """);

        Assert.That(config["Spacelift:HostUrl"], Is.EqualTo("acme.app.spacelift.io"));
        Assert.That(config["Spacelift:ApiKey"], Is.EqualTo("01HKEY"));
        Assert.That(config["Spacelift:ApiSecret"], Is.EqualTo("s3cr3t"));
        Assert.That(config["Spacelift:ReadOnly"], Is.EqualTo("true"));
        Assert.That(config["Spacelift:Future:Nested:0"], Is.EqualTo("first"));
        Assert.That(config["Spacelift:Future:Nested:1"], Is.EqualTo("second"));
        Assert.That(config, Has.Count.EqualTo(6));
    }

    [Test]
    public void Load_BackendBaseUrl_IsMapped()
    {
        var config = LoadYaml("""
            backend:
              baseUrl: http://localhost:7007
              listen:
                port: 7007
            """);

        Assert.That(config["Backstage:BaseUrl"], Is.EqualTo("http://localhost:7007"));
        Assert.That(config, Has.Count.EqualTo(1));
    }

    [Test]
    public void Load_AppBaseUrl_IsMapped()
    {
        var config = LoadYaml("""
            app:
              title: Acme Portal
              baseUrl: http://localhost:3000
            """);

        Assert.That(config["Backstage:AppBaseUrl"], Is.EqualTo("http://localhost:3000"));
        Assert.That(config, Has.Count.EqualTo(1));
    }

    [Test]
    public void Load_RedisCache_MapsConnectionString()
    {
        var config = LoadYaml("""
            backend:
              cache:
                store: redis
                connection: redis://user:pass@redis.example.com:6379
                defaultTtl: 60000
            """);

        Assert.That(config["ConnectionStrings:Redis"], Is.EqualTo("redis://user:pass@redis.example.com:6379"));
        Assert.That(config, Has.Count.EqualTo(1));
    }

    [Test]
    public void Load_RedisCacheFromVariable_MapsConnectionString()
    {
        _environment["REDIS_URL"] = "rediss://redis.example.com:6380";
        var config = LoadYaml("""
            backend:
              cache:
                store: redis
                connection: ${REDIS_URL}
            """);

        Assert.That(config["ConnectionStrings:Redis"], Is.EqualTo("rediss://redis.example.com:6380"));
    }

    [Test]
    public void Load_LaterRedisStore_UsesEarlierConnection()
    {
        var first = AddFile("app-config.yaml", """
            backend:
              cache:
                store: memory
                connection: redis://redis.example.com:6379
            """);
        var second = AddFile("app-config.production.yaml", """
            backend:
              cache:
                store: redis
            """);

        var config = Load(first, second);

        Assert.That(config["ConnectionStrings:Redis"], Is.EqualTo("redis://redis.example.com:6379"));
    }

    [Test]
    public void Load_MemoryCache_HasNoConnectionString()
    {
        var config = LoadYaml("""
            backend:
              cache:
                store: memory
                connection: redis://redis.example.com:6379
            """);

        Assert.That(config.ContainsKey("ConnectionStrings:Redis"), Is.False);
    }

    [Test]
    public void Load_MemcacheStore_HasNoConnectionString()
    {
        var config = LoadYaml("""
            backend:
              cache:
                store: memcache
                connection: user:pass@cache.example.com:11211
            """);

        Assert.That(config, Is.Empty);
    }

    [Test]
    public void Load_RedisCacheWithMappingConnection_Throws()
    {
        var exception = Assert.Throws<StartupException>(() => LoadYaml("""
            backend:
              cache:
                store: redis
                connection:
                  host: redis.example.com
            """));

        Assert.That(exception.Message, Does.Contain("Invalid backend.cache.connection"));
    }

    [Test]
    public void Load_BackendAuth_MapsExternalAccessAndKeys()
    {
        var config = LoadYaml("""
            backend:
              auth:
                dangerouslyDisableDefaultAuthPolicy: false
                keys:
                  - secret: legacy-secret
                externalAccess:
                  - type: static
                    options:
                      token: static-token
                      subject: ci-pipeline
                    accessRestrictions:
                      - plugin: spacelift-io
                  - type: legacy
                    options:
                      secret: legacy-external
                      subject: legacy-caller
            """);

        Assert.That(config["Backstage:Auth:DangerouslyDisableDefaultAuthPolicy"], Is.EqualTo("false"));
        Assert.That(config["Backstage:Auth:Keys:0:Secret"], Is.EqualTo("legacy-secret"));
        Assert.That(config["Backstage:Auth:ExternalAccess:0:Type"], Is.EqualTo("static"));
        Assert.That(config["Backstage:Auth:ExternalAccess:0:Options:Token"], Is.EqualTo("static-token"));
        Assert.That(config["Backstage:Auth:ExternalAccess:0:Options:Subject"], Is.EqualTo("ci-pipeline"));
        Assert.That(config["Backstage:Auth:ExternalAccess:0:AccessRestrictions:0:Plugin"], Is.EqualTo("spacelift-io"));
        Assert.That(config["Backstage:Auth:ExternalAccess:1:Type"], Is.EqualTo("legacy"));
        Assert.That(config["Backstage:Auth:ExternalAccess:1:Options:Secret"], Is.EqualTo("legacy-external"));
        Assert.That(config["Backstage:Auth:ExternalAccess:1:Options:Subject"], Is.EqualTo("legacy-caller"));
    }

    [Test]
    public void Load_AuthSection_MapsOnlyTokenAlgorithm()
    {
        var config = LoadYaml("""
            auth:
              identityTokenAlgorithm: ES256
              environment: production
              providers:
                github:
                  production:
                    clientSecret:
                      $file: /var/run/secrets/only-in-backstage-pod
            """);

        Assert.That(config["Backstage:AuthBackend:IdentityTokenAlgorithm"], Is.EqualTo("ES256"));
        Assert.That(config.ContainsKey("Backstage:AuthBackend:Environment"), Is.False);
        Assert.That(config.Keys, Has.None.Contains("providers"), "secrets Backstage's pod alone can read are not resolved");
    }

    [Test]
    public void Load_Discovery_MapsEndpoints()
    {
        var config = LoadYaml("""
            discovery:
              endpoints:
                - target: http://catalog.internal:7007/api/{{pluginId}}
                  plugins: [catalog, scaffolder]
                - target:
                    internal: http://auth.internal:7007/api/{{pluginId}}
                    external: https://backstage.example.com/api/{{pluginId}}
                  plugins: [auth]
            """);

        Assert.That(config["Backstage:Discovery:Endpoints:0:Target"], Is.EqualTo("http://catalog.internal:7007/api/{{pluginId}}"));
        Assert.That(config["Backstage:Discovery:Endpoints:0:Plugins:0"], Is.EqualTo("catalog"));
        Assert.That(config["Backstage:Discovery:Endpoints:0:Plugins:1"], Is.EqualTo("scaffolder"));
        Assert.That(config["Backstage:Discovery:Endpoints:1:Target:Internal"], Is.EqualTo("http://auth.internal:7007/api/{{pluginId}}"));
        Assert.That(config["Backstage:Discovery:Endpoints:1:Target:External"], Is.EqualTo("https://backstage.example.com/api/{{pluginId}}"));
        Assert.That(config["Backstage:Discovery:Endpoints:1:Plugins:0"], Is.EqualTo("auth"));
    }

    [Test]
    public void Load_Permission_MapsEnabled()
    {
        var config = LoadYaml("""
            permission:
              enabled: true
            """);

        Assert.That(config["Backstage:Permission:Enabled"], Is.EqualTo("true"));
    }

    [Test]
    public void Load_Scalars_KeepYamlText()
    {
        var config = LoadYaml("""
            spacelift:
              enabled: true
              port: 7007
              ratio: 0.5
              legacyBoolean: yes
              quotedNull: "null"
              tilde: ~
              empty:
              explicitNull: null
              block: |
                line one
                line two
              after: end
            """);

        Assert.That(config["Spacelift:Enabled"], Is.EqualTo("true"));
        Assert.That(config["Spacelift:Port"], Is.EqualTo("7007"));
        Assert.That(config["Spacelift:Ratio"], Is.EqualTo("0.5"));
        Assert.That(config["Spacelift:LegacyBoolean"], Is.EqualTo("yes"));
        Assert.That(config["Spacelift:QuotedNull"], Is.EqualTo("null"));
        Assert.That(config["Spacelift:Tilde"], Is.Null);
        Assert.That(config["Spacelift:Empty"], Is.Null);
        Assert.That(config["Spacelift:ExplicitNull"], Is.Null);
        Assert.That(config["Spacelift:Block"], Is.EqualTo("line one\nline two\n"));
    }

    [Test]
    public void Load_NullSection_KeepsKeyWithNullValue()
    {
        var config = LoadYaml("spacelift:");

        Assert.That(config.ContainsKey("Spacelift"), Is.True);
        Assert.That(config["Spacelift"], Is.Null);
    }

    [Test]
    public void Load_EmptyMappingsAndLists_ProduceNoKeys()
    {
        var config = LoadYaml("""
            spacelift: {}
            backend:
              auth:
                keys: []
            """);

        Assert.That(config, Is.Empty);
    }

    [Test]
    public void Load_YamlAnchors_AreExpanded()
    {
        var config = LoadYaml("""
            spacelift:
              hostUrl: &host acme.app.spacelift.io
              mirror: *host
            """);

        Assert.That(config["Spacelift:Mirror"], Is.EqualTo("acme.app.spacelift.io"));
    }

    [Test]
    public void Load_ReturnedKeys_AreCaseInsensitive()
    {
        var config = LoadYaml("""
            spacelift:
              hostUrl: acme.app.spacelift.io
            """);

        Assert.That(config.ContainsKey("SPACELIFT:HOSTURL"), Is.True);
        Assert.That(config["spacelift:hosturl"], Is.EqualTo("acme.app.spacelift.io"));
    }

    [Test]
    public void Load_FullBackstageConfig_MapsOnlyKnownSections()
    {
        _environment["BACKEND_SECRET"] = "backend-secret";
        _environment["SPACELIFT_API_KEY_ID"] = "01HKEY";
        _environment["SPACELIFT_API_KEY_SECRET"] = "s3cr3t";
        _environment["REDIS_URL"] = "redis://cache:6379";
        _environment["CI_TOKEN"] = "ci-token";

        // The unrelated sections use unset variables, $file of files that do not exist and an
        // unknown $-key, none of which may be evaluated.
        var config = LoadYaml("""
            app:
              title: Acme Developer Portal
              baseUrl: https://backstage.acme.example
              support:
                url: https://github.com/acme/backstage/issues

            organization:
              name: Acme

            backend:
              baseUrl: https://backstage.acme.example
              listen:
                port: 7007
              csp:
                connect-src: ["'self'", 'http:', 'https:']
              cors:
                origin: https://backstage.acme.example
                methods: [GET, HEAD, PATCH, POST, PUT, DELETE]
                credentials: true
              database:
                client: pg
                connection:
                  host: ${POSTGRES_HOST}
                  port: ${POSTGRES_PORT}
                  user: ${POSTGRES_USER}
                  password: ${POSTGRES_PASSWORD}
                  ssl:
                    ca: { $file: /etc/postgres/ca.pem }
              cache:
                store: redis
                connection: ${REDIS_URL}
              auth:
                keys:
                  - secret: ${BACKEND_SECRET}
                externalAccess:
                  - type: static
                    options:
                      token: ${CI_TOKEN}
                      subject: ci
                    accessRestrictions:
                      - plugin: spacelift-io

            integrations:
              github:
                - host: github.com
                  apps:
                    - $include: ./github-app-credentials.yaml

            proxy:
              endpoints:
                /pagerduty:
                  target: https://api.pagerduty.com
                  headers:
                    Authorization: Token token=${PAGERDUTY_TOKEN}

            techdocs:
              builder: 'local'
              generator:
                runIn: 'docker'
              publisher:
                type: 'local'

            auth:
              environment: production
              providers:
                github:
                  production:
                    clientId: ${AUTH_GITHUB_CLIENT_ID}
                    clientSecret: ${AUTH_GITHUB_CLIENT_SECRET}

            catalog:
              import:
                entityFilename: catalog-info.yaml
              rules:
                - allow: [Component, System, API, Resource, Location]
              locations:
                - type: file
                  target: ../../examples/entities.yaml
                  rules:
                    - allow: [User, Group]
              providers:
                custom:
                  $unknown: value

            permission:
              enabled: true

            spacelift:
              hostUrl: acme.app.spacelift.io
              apiKey: ${SPACELIFT_API_KEY_ID}
              apiSecret:
                $env: SPACELIFT_API_KEY_SECRET
              readOnly: false
            """);

        var expected = new Dictionary<string, string?>
        {
            ["Backstage:AppBaseUrl"] = "https://backstage.acme.example",
            ["Backstage:BaseUrl"] = "https://backstage.acme.example",
            ["ConnectionStrings:Redis"] = "redis://cache:6379",
            ["Backstage:Auth:keys:0:secret"] = "backend-secret",
            ["Backstage:Auth:externalAccess:0:type"] = "static",
            ["Backstage:Auth:externalAccess:0:options:token"] = "ci-token",
            ["Backstage:Auth:externalAccess:0:options:subject"] = "ci",
            ["Backstage:Auth:externalAccess:0:accessRestrictions:0:plugin"] = "spacelift-io",
            ["Backstage:Permission:enabled"] = "true",
            ["Spacelift:hostUrl"] = "acme.app.spacelift.io",
            ["Spacelift:apiKey"] = "01HKEY",
            ["Spacelift:apiSecret"] = "s3cr3t",
            ["Spacelift:readOnly"] = "false",
        };
        Assert.That(config, Is.EquivalentTo(expected));
    }

    private string AddFile(string relativePath, string text)
    {
        var path = Path.GetFullPath(Path.Combine(ConfigDirectory, relativePath));
        _files[path] = text;
        return path;
    }

    private IReadOnlyDictionary<string, string?> LoadYaml(string yaml) => Load(AddFile("app-config.yaml", yaml));

    private IReadOnlyDictionary<string, string?> Load(params string[] paths) =>
        BackstageAppConfig.Load(paths, name => _environment.GetValueOrDefault(name), ReadFile);

    private string ReadFile(string path) =>
        _files.TryGetValue(path, out var text) ? text : throw new FileNotFoundException($"Could not find file '{path}'.", path);
}
