using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SpaceliftProxy.Auth;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.FakeSpacelift.Backstage;
using SpaceliftProxy.Tests.Infrastructure;

namespace SpaceliftProxy.Tests.Auth;

/// <summary>
/// Starts a Spacelift stand-in and a Backstage stand-in on loopback for each test, and builds the
/// service with the credentials barrier on, pointed at both, with a clock the test can move.
/// </summary>
public abstract class BarrierTestBase
{
    protected const string StacksPath = "/api/spacelift-io/stacks";
    protected const string StackId = "network-prod";
    protected const string TriggerPath = "/api/spacelift-io/stacks/" + StackId + "/trigger";

    protected FakeSpaceliftServer Spacelift { get; private set; } = null!;

    protected FakeBackstageServer Backstage { get; private set; } = null!;

    protected AdjustableTimeProvider Time { get; private set; } = null!;

    protected ListLoggerProvider Logs { get; private set; } = null!;

    /// <summary>The value of <c>Backstage:BaseUrl</c>: the stand-in's address without a trailing slash.</summary>
    protected string BackstageBaseUrl => Backstage.BaseAddress.ToString().TrimEnd('/');

    [SetUp]
    public async Task StartStandInsAsync()
    {
        Time = new AdjustableTimeProvider();
        Logs = new ListLoggerProvider();
        Spacelift = await FakeSpaceliftServer.StartAsync().WaitAsync(HttpJson.Timeout);
        Spacelift.Data.UpsertStack(new FakeStack
        {
            Id = StackId,
            Name = "Network",
            State = "FINISHED",
            Branch = "main",
            Space = "root",
            Repository = "network",
        });
        Backstage = await FakeBackstageServer.StartAsync(Time).WaitAsync(HttpJson.Timeout);
    }

    [TearDown]
    public async Task StopStandInsAsync()
    {
        await Backstage.DisposeAsync();
        await Spacelift.DisposeAsync();
        Logs.Dispose();
    }

    /// <summary>The service with the barrier on and <c>Backstage:BaseUrl</c> set; <paramref name="configure"/> changes settings.</summary>
    protected ProxyFactory CreateProxy(Action<Dictionary<string, string?>>? configure = null) =>
        ProxyFactory.For(
            Spacelift,
            configure: settings =>
            {
                settings["Backstage:Auth:DangerouslyDisableDefaultAuthPolicy"] = "false";
                settings["Backstage:BaseUrl"] = BackstageBaseUrl;
                configure?.Invoke(settings);
            },
            configureHost: host => host
                .ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time))
                .ConfigureLogging(logging => logging
                    .AddProvider(Logs)
                    .AddFilter<ListLoggerProvider>(RunActionAudit.CategoryName, LogLevel.Information)
                    .AddFilter<ListLoggerProvider>("SpaceliftProxy.Auth", LogLevel.Debug)));

    protected static Task<(HttpResponseMessage Response, JsonElement Body)> GetStacksAsync(HttpClient client, string? token, string path = StacksPath) =>
        HttpJson.SendAsync(client, HttpMethod.Get, path, token is null ? null : "Bearer " + token);

    protected static Task<(HttpResponseMessage Response, JsonElement Body)> TriggerAsync(HttpClient client, string? token, string path = TriggerPath) =>
        HttpJson.SendAsync(client, HttpMethod.Post, path, token is null ? null : "Bearer " + token);

    /// <summary>Asserts a 401 with <c>WWW-Authenticate: Bearer</c> and returns the <c>error</c> text.</summary>
    protected static string AssertUnauthorized(HttpResponseMessage response, JsonElement body)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.Select(header => header.Scheme), Is.EqualTo(new[] { "Bearer" }));

        return HttpJson.Error(body);
    }
}
