using System.Diagnostics;

namespace SpaceliftProxy.Diagnostics;

/// <summary>
/// One log line per request with method, path, status and duration, under the category
/// <c>SpaceliftProxy.AccessLog</c> (set its level to <c>None</c> to turn it off). Probes and
/// scrapes are left out. The trace id travels in the log scope.
/// </summary>
internal static partial class AccessLog
{
    public static IApplicationBuilder UseAccessLog(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("SpaceliftProxy.AccessLog");

        return app.Use(async (context, next) =>
        {
            if (DiagnosticPaths.IsProbeOrScrape(context.Request.Path) || !logger.IsEnabled(LogLevel.Information))
            {
                await next(context);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            // The escaped form, so a decoded newline in a path cannot forge a log line.
            var path = context.Request.Path.ToUriComponent();
            try
            {
                await next(context);
            }
            finally
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                Request(logger, context.Request.Method, path, context.Response.StatusCode, elapsed.TotalMilliseconds);
            }
        });
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "{Method} {Path} {StatusCode} {ElapsedMilliseconds:F1} ms")]
    private static partial void Request(ILogger logger, string method, string path, int statusCode, double elapsedMilliseconds);
}
