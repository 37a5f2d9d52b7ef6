using System.Net;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.FakeSpacelift.Backstage;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Auth;

/// <summary>The service as a process, reading backend.auth from the app-config file Backstage uses.</summary>
[Parallelizable(ParallelScope.Children)]
public sealed class BarrierProcessTests
{
    private const string StaticToken = "ci-token-7d41e0b2a9";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task AppConfigExternalAccess_StaticTokenWorks()
    {
        await using var spacelift = await FakeSpaceliftServer.StartAsync();
        await using var backstage = await FakeBackstageServer.StartAsync();
        var directory = Directory.CreateTempSubdirectory("spacelift-proxy-");
        try
        {
            var file = Path.Combine(directory.FullName, "app-config.yaml");
            await File.WriteAllTextAsync(file, $$"""
                backend:
                  baseUrl: {{backstage.BaseAddress.ToString().TrimEnd('/')}}
                  auth:
                    externalAccess:
                      - type: static
                        options:
                          token: ${CI_TOKEN}
                          subject: ci-bot
                        accessRestrictions:
                          - plugin: spacelift-io
                spacelift:
                  hostUrl: {{spacelift.BaseAddress}}
                  apiKey: {{spacelift.Options.ApiKeyId}}
                  apiSecret: {{spacelift.Options.ApiKeySecret}}
                """);
            await using var service = ServiceProcess.Start(["--config", file], new Dictionary<string, string?> { ["CI_TOKEN"] = StaticToken });
            await service.WaitUntilListeningAsync(StartTimeout);
            using var client = new HttpClient { BaseAddress = service.Address };

            var (withToken, _) = await HttpJson.SendAsync(client, HttpMethod.Get, "/api/spacelift-io/stacks", "Bearer " + StaticToken);
            var (withoutToken, withoutTokenBody) = await HttpJson.SendAsync(client, HttpMethod.Get, "/api/spacelift-io/stacks", authorization: null);
            var (userToken, _) = await HttpJson.SendAsync(client, HttpMethod.Get, "/api/spacelift-io/stacks", "Bearer " + backstage.IssueUserToken());

            Assert.That(withToken.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(withoutToken.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(HttpJson.Error(withoutTokenBody), Does.StartWith("Missing credentials"));
            Assert.That(userToken.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(service.Output, Does.Not.Contain(StaticToken));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Start_ShortStaticToken_NamesSetting()
    {
        await using var service = ServiceProcess.Start([], new Dictionary<string, string?>
        {
            ["Spacelift__HostUrl"] = "acme.app.spacelift.io",
            ["Spacelift__ApiKey"] = FakeSpaceliftOptions.DefaultApiKeyId,
            ["Spacelift__ApiSecret"] = "secret",
            ["Backstage__BaseUrl"] = "http://127.0.0.1:9",
            ["Backstage__Auth__ExternalAccess__0__Type"] = "static",
            ["Backstage__Auth__ExternalAccess__0__Options__Token"] = "t0k3n!",
            ["Backstage__Auth__ExternalAccess__0__Options__Subject"] = "ci-bot",
        });

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("Backstage:Auth:ExternalAccess:0:Options:Token is invalid"));
        Assert.That(service.Output, Does.Not.Contain("t0k3n!"));
        Assert.That(service.Output, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public async Task Start_NoBaseUrl_ExitsNamingSetting()
    {
        await using var service = ServiceProcess.Start([], new Dictionary<string, string?>
        {
            ["Spacelift__HostUrl"] = "acme.app.spacelift.io",
            ["Spacelift__ApiKey"] = FakeSpaceliftOptions.DefaultApiKeyId,
            ["Spacelift__ApiSecret"] = "secret",
        });

        var exitCode = await service.WaitForExitAsync(StartTimeout);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(service.Output, Does.Contain("Backstage:BaseUrl is missing"));
    }
}
