using SpaceliftProxy;
using SpaceliftProxy.Auth;
using SpaceliftProxy.Caching;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Demo;
using SpaceliftProxy.Diagnostics;
using SpaceliftProxy.Entities;
using SpaceliftProxy.OpenApi;
using SpaceliftProxy.Runs;
using SpaceliftProxy.Spacelift;
using SpaceliftProxy.Stacks;

return await StartupGuard.RunAsync(async () =>
{
    var startup = StartupArguments.Parse(args);
    var builder = WebApplication.CreateBuilder(startup.Remaining);
    builder.AddProxyConfiguration(startup);
    var demo = await DemoMode.StartIfRequestedAsync(builder, startup);

    builder.AddProxyTelemetry();
    builder.Services.AddErrorResponses();
    builder.Services.AddBackstageAuth();
    builder.Services.AddProxyHealthChecks();
    builder.Services.AddProxyCaching(builder.Configuration);
    builder.Services.AddSpaceliftClient();
    builder.Services.AddStacks();
    builder.Services.AddRuns();
    builder.Services.AddEntities();
    builder.Services.AddApiDocumentation();

    var app = builder.Build().ValidateSettings();
    demo?.Attach(app);

    app.UseAccessLog();
    app.UseErrorResponses();
    app.UseBackstageAuth();
    app.MapProbeEndpoints();
    app.MapMetrics();
    app.MapPluginApi();
    app.MapApiDocumentation();

    await app.RunAsync();
});

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
