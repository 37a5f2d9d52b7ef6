using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Diagnostics;

internal static class TelemetryExtensions
{
    /// <summary>
    /// Adds traces (incoming requests, calls to Spacelift, Redis), metrics (ASP.NET Core,
    /// HttpClient, runtime and the service's own) and structured logs that carry the trace id.
    /// Metrics are scraped at <c>/metrics</c>; everything is also exported over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static WebApplicationBuilder AddProxyTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProxyTelemetry>();

        builder.Logging.Configure(options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        // Quiet defaults for chatty framework categories, put first so that any Logging:LogLevel
        // setting overrides them, and so that they apply even where appsettings.json is not found.
        builder.Services.Configure<LoggerFilterOptions>(options =>
        {
            string[] quiet = ["Microsoft.AspNetCore", "System.Net.Http.HttpClient", "Microsoft.Extensions.Http", "Polly"];
            foreach (var category in quiet)
            {
                options.Rules.Insert(0, new LoggerFilterRule(null, category, LogLevel.Warning, null));
            }

            // Every rejected token would otherwise log two lines at Information, which a flood of
            // bad tokens turns into a flood of log lines; the 401 answer says why.
            options.Rules.Insert(0, new LoggerFilterRule(null, "SpaceliftProxy.Auth.BackstageAuthenticationHandler", LogLevel.Warning, null));

            // Readiness reports a Redis outage every few seconds; the cache logs it already.
            options.Rules.Insert(0, new LoggerFilterRule(null, "Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical, null));
        });

        // Logging:Console:FormatterName=json switches the console to JSON; the trace id then
        // travels in each line's scopes.
        builder.Services.Configure<JsonConsoleFormatterOptions>(options =>
        {
            options.IncludeScopes = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        builder.Logging.AddOpenTelemetry(options =>
        {
            options.IncludeScopes = true;
            options.IncludeFormattedMessage = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("spacelift-proxy"))
            .WithTracing(tracing => tracing
                .AddSource(ProxyTelemetry.Name)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !DiagnosticPaths.IsProbeOrScrape(context.Request.Path))
                .AddHttpClientInstrumentation(options => options.EnrichWithHttpRequestMessage = (activity, request) =>
                {
                    if (request.Options.TryGetValue(SpaceliftRequestOptions.Operation, out var operation))
                    {
                        activity.SetTag("graphql.operation.name", operation.Name);
                    }
                })
                .AddRedisInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(ProxyTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Maps the Prometheus scrape endpoint, <c>/metrics</c>.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(DiagnosticPaths.Metrics);

        return app;
    }
}
