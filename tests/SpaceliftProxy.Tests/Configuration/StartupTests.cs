using System.Net;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Configuration;

/// <summary>The service started as a process, configured the ways an operator configures it.</summary>
[Parallelizable(ParallelScope.Children)]
public sealed class StartupTests
{
    private const string Secret = "super-secret-value-4f1c";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Start_NoSettings_ExitsNamingEachMissingSetting()
    {
        await using var service = ServiceProcess.Start([]);

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("Spacelift:HostUrl is missing"));
        Assert.That(service.Output, Does.Contain("Spacelift:ApiKey is missing"));
        Assert.That(service.Output, Does.Contain("Spacelift:ApiSecret is missing"));
        Assert.That(service.Output, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task Start_InvalidHostUrl_NamesSettingNotSecret()
    {
        await using var service = ServiceProcess.Start([], new Dictionary<string, string?>
        {
            ["Spacelift__HostUrl"] = "http://acme.app.spacelift.io",
            ["Spacelift__ApiKey"] = "01HQDEMO0KEY0000000000000A",
            ["Spacelift__ApiSecret"] = Secret,
        });

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("Spacelift:HostUrl is invalid"));
        Assert.That(service.Output, Does.Not.Contain(Secret));
    }

    [Test]
    public async Task Start_HostUrlWithPassword_PasswordNotShown()
    {
        await using var service = ServiceProcess.Start([], new Dictionary<string, string?>
        {
            ["Spacelift__HostUrl"] = "https://user:" + Secret + "@acme.app.spacelift.io",
            ["Spacelift__ApiKey"] = "01HQDEMO0KEY0000000000000A",
            ["Spacelift__ApiSecret"] = "x",
        });

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("user information"));
        Assert.That(service.Output, Does.Not.Contain(Secret));
    }

    [TestCase("Spacelift__Timeout", "banana", "Spacelift:Timeout")]
    [TestCase("Spacelift__Timeout", "-00:00:01", "Spacelift:Timeout must be between")]
    [TestCase("Spacelift__Resilience__MaxRetries", "-3", "Spacelift:Resilience:MaxRetries must be between")]
    [TestCase("Spacelift__Resilience__CircuitBreakerFailureRatio", "2", "Spacelift:Resilience:CircuitBreakerFailureRatio must be between")]
    [TestCase("Shutdown__DrainDelay", "01:00:00", "Shutdown:DrainDelay must be between")]
    [TestCase("Spacelift__ReadOnly", "maybe", "Spacelift:ReadOnly")]
    public async Task Start_UnparsableSetting_NamesSetting(string variable, string value, string setting)
    {
        await using var service = ServiceProcess.Start([], new Dictionary<string, string?>
        {
            ["Spacelift__HostUrl"] = "acme.app.spacelift.io",
            ["Spacelift__ApiKey"] = "01HQDEMO0KEY0000000000000A",
            ["Spacelift__ApiSecret"] = "x",
            [variable] = value,
        });

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain(setting));
        Assert.That(service.Output, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task Start_DemoWithPublicKestrelEndpoint_Refused()
    {
        await using var service = ServiceProcess.Start(["--demo", "--Kestrel:Endpoints:public:Url=http://0.0.0.0:5998"]);

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("Kestrel:Endpoints:public"));
    }

    [Test]
    public async Task Start_InvalidRedisConnection_NamesSetting()
    {
        await using var service = ServiceProcess.Start([], new Dictionary<string, string?>
        {
            ["Spacelift__HostUrl"] = "acme.app.spacelift.io",
            ["Spacelift__ApiKey"] = "01HQDEMO0KEY0000000000000A",
            ["Spacelift__ApiSecret"] = Secret,
            ["ConnectionStrings__Redis"] = "redis://host:6379/not-a-number",
        });

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("ConnectionStrings:Redis is invalid"));
    }

    [TestCase("Backstage__BaseUrl", "ftp://backstage.example.com", "Backstage:BaseUrl is invalid")]
    [TestCase("Backstage__BaseUrl", "backstage.example.com", "Backstage:BaseUrl is invalid")]
    [TestCase("Backstage__CatalogTimeout", "00:00:00", "Backstage:CatalogTimeout must be between")]
    [TestCase("Cache__StackTtl", "02:00:00", "Cache:StackTtl must be between")]
    [TestCase("Cache__RunsTtl", "-00:00:01", "Cache:RunsTtl must be between")]
    [TestCase("Cache__StacksTtl", "02:00:00", "Cache:StacksTtl must be between")]
    [TestCase("Spacelift__Timeout", "00:00:00", "Spacelift:Timeout must be between")]
    public async Task Start_InvalidSetting_NamesSetting(string variable, string value, string expected)
    {
        await using var service = ServiceProcess.Start([], new Dictionary<string, string?>
        {
            ["Spacelift__HostUrl"] = "acme.app.spacelift.io",
            ["Spacelift__ApiKey"] = "01HQDEMO0KEY0000000000000A",
            ["Spacelift__ApiSecret"] = Secret,
            [variable] = value,
        });

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain(expected));
    }

    [Test]
    public async Task Start_BackstageEnvironmentNames_ServeStacks()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var service = ServiceProcess.Start([], new Dictionary<string, string?>
        {
            ["Spacelift__HostUrl"] = spacelift.BaseAddress.ToString(),
            ["SPACELIFT_API_KEY"] = spacelift.Options.ApiKeyId,
            ["SPACELIFT_API_SECRET"] = spacelift.Options.ApiKeySecret,
            ["Backstage__Auth__DangerouslyDisableDefaultAuthPolicy"] = "true",
        });
        await service.WaitUntilListeningAsync(StartTimeout);

        var stacks = await GetStacksAsync(service);

        Assert.That(stacks.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(service.Output, Does.Not.Contain(spacelift.Options.ApiKeySecret));
    }

    [Test]
    public async Task Start_BackstageAppConfigFile_ServesStacks()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        var directory = Directory.CreateTempSubdirectory("spacelift-proxy-");
        try
        {
            var file = Path.Combine(directory.FullName, "app-config.yaml");
            await File.WriteAllTextAsync(file, $$"""
                app:
                  baseUrl: http://localhost:3000
                backend:
                  baseUrl: http://localhost:7007
                  auth:
                    dangerouslyDisableDefaultAuthPolicy: true
                catalog:
                  rules:
                    - allow: [Component]
                spacelift:
                  hostUrl: {{spacelift.BaseAddress}}
                  apiKey: ${TEST_SPACELIFT_KEY}
                  apiSecret: ${TEST_SPACELIFT_SECRET}
                  readOnly: true
                """);
            await using var service = ServiceProcess.Start(["--config", file], new Dictionary<string, string?>
            {
                ["TEST_SPACELIFT_KEY"] = spacelift.Options.ApiKeyId,
                ["TEST_SPACELIFT_SECRET"] = spacelift.Options.ApiKeySecret,
            });
            await service.WaitUntilListeningAsync(StartTimeout);

            var stacks = await GetStacksAsync(service);
            using var client = new HttpClient { BaseAddress = service.Address };
            var trigger = await client.PostAsync(new Uri("/api/spacelift-io/stacks/x/trigger", UriKind.Relative), null).WaitAsync(HttpJson.Timeout);

            Assert.That(stacks.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(trigger.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "readOnly from the file applies");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Start_MissingAppConfig_NamesFile()
    {
        await using var service = ServiceProcess.Start(["--config", "/nonexistent/app-config.yaml"]);

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("/nonexistent/app-config.yaml"));
    }

    [Test]
    public async Task Start_Demo_ServesGeneratedStacksAndSaysWhere()
    {
        await using var service = ServiceProcess.Start(["--demo"]);
        await service.WaitUntilListeningAsync(StartTimeout);

        var stacks = await GetStacksAsync(service);

        Assert.That(stacks.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(service.Output, Does.Contain($"{service.Address.ToString().TrimEnd('/')}/api/spacelift-io/stacks"));
    }

    [Test]
    public async Task Start_DemoOnPublicAddress_Refused()
    {
        await using var service = ServiceProcess.Start(["--demo"], urls: "http://0.0.0.0:5999");

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("loopback"));
    }

    private static async Task<HttpResponseMessage> GetStacksAsync(ServiceProcess service)
    {
        using var client = new HttpClient { BaseAddress = service.Address };

        return await client.GetAsync(new Uri("/api/spacelift-io/stacks", UriKind.Relative)).WaitAsync(HttpJson.Timeout);
    }
}
