using Microsoft.Extensions.Configuration;
using SpaceliftProxy.Configuration;

namespace SpaceliftProxy.Tests.Configuration;

/// <summary>
/// Tests of the Backstage app-config loader against real files, the process environment and the
/// .NET configuration binder.
/// </summary>
[TestFixture]
public sealed class BackstageAppConfigFileSystemTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Path.Combine(Path.GetTempPath(), "spacelift-proxy-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Load_FileMapping_ReadsFileNextToConfig()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "secrets"));
        File.WriteAllText(Path.Combine(_directory, "secrets", "spacelift-secret"), "s3cr3t\n");
        var configPath = WriteFile("app-config.yaml", """
            spacelift:
              apiSecret:
                $file: secrets/spacelift-secret
            """);

        var config = BackstageAppConfig.Load([configPath], _ => null, File.ReadAllText);

        Assert.That(config["Spacelift:ApiSecret"], Is.EqualTo("s3cr3t"));
    }

    [Test]
    public void Load_FileMappingMissing_NamesPath()
    {
        var configPath = WriteFile("app-config.yaml", """
            spacelift:
              apiSecret: { $file: secrets/absent }
            """);

        var exception = Assert.Throws<StartupException>(
            () => BackstageAppConfig.Load([configPath], _ => null, File.ReadAllText));

        Assert.That(exception.Message, Does.Contain(Path.Combine(_directory, "secrets", "absent")));
    }

    [Test]
    public void Load_IncludeFromSubdirectory_ReadsRealFiles()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "shared"));
        File.WriteAllText(Path.Combine(_directory, "shared", "spacelift.yaml"), "apiKey: { $file: key.txt }\n");
        File.WriteAllText(Path.Combine(_directory, "shared", "key.txt"), "01HKEY\n");
        var configPath = WriteFile("app-config.yaml", "spacelift: { $include: shared/spacelift.yaml }");

        var config = BackstageAppConfig.Load([configPath], _ => null, File.ReadAllText);

        Assert.That(config["Spacelift:ApiKey"], Is.EqualTo("01HKEY"));
    }

    [Test]
    public void Load_MissingConfigFile_ThrowsNamingFile()
    {
        var path = Path.Combine(_directory, "app-config.production.yaml");

        var exception = Assert.Throws<StartupException>(
            () => BackstageAppConfig.Load([path], _ => null, File.ReadAllText));

        Assert.That(exception.Message, Does.Contain($"'{path}'"));
    }

    [Test]
    public void AddBackstageAppConfig_BindsSpaceliftSection()
    {
        var first = WriteFile("app-config.yaml", """
            spacelift:
              hostUrl: dev.app.spacelift.io
              apiKey: 01HKEY
            """);
        var second = WriteFile("app-config.production.yaml", """
            spacelift:
              hostUrl: acme.app.spacelift.io
              readOnly: true
            """);

        var configuration = new ConfigurationBuilder().AddBackstageAppConfig([first, second]).Build();
        var options = configuration.GetSection("Spacelift").Get<SampleSpaceliftOptions>();

        Assert.That(options, Is.Not.Null);
        Assert.That(options!.HostUrl, Is.EqualTo("acme.app.spacelift.io"));
        Assert.That(options.ApiKey, Is.EqualTo("01HKEY"));
        Assert.That(options.ReadOnly, Is.True);
    }

    [Test]
    public void AddBackstageAppConfig_ReadsProcessEnvironment()
    {
        var variable = "SPACELIFT_PROXY_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "from-environment");
        try
        {
            var path = WriteFile("app-config.yaml", $$"""
                spacelift:
                  apiKey: ${{{variable}}}
                  apiSecret: { $env: {{variable}} }
                """);

            var configuration = new ConfigurationBuilder().AddBackstageAppConfig([path]).Build();

            Assert.That(configuration["Spacelift:ApiKey"], Is.EqualTo("from-environment"));
            Assert.That(configuration["Spacelift:ApiSecret"], Is.EqualTo("from-environment"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Test]
    public void AddBackstageAppConfig_LaterSourceOverrides()
    {
        var path = WriteFile("app-config.yaml", "spacelift: { hostUrl: from-file.app.spacelift.io }");

        var configuration = new ConfigurationBuilder()
            .AddBackstageAppConfig([path])
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Spacelift:HostUrl", "override.app.spacelift.io")])
            .Build();

        Assert.That(configuration["spacelift:hostUrl"], Is.EqualTo("override.app.spacelift.io"));
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private sealed class SampleSpaceliftOptions
    {
        public string HostUrl { get; set; } = "";

        public string ApiKey { get; set; } = "";

        public bool ReadOnly { get; set; }
    }
}
