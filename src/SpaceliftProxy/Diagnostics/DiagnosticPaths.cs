namespace SpaceliftProxy.Diagnostics;

/// <summary>
/// Paths that probes and scrapers call every few seconds; they are kept out of traces and the
/// access log so that these do not fill up with noise.
/// </summary>
internal static class DiagnosticPaths
{
    public const string Liveness = "/.backstage/health/v1/liveness";
    public const string Readiness = "/.backstage/health/v1/readiness";
    public const string Metrics = "/metrics";

    public static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/.backstage/health", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments(Metrics, StringComparison.OrdinalIgnoreCase)
        || PluginApi.BasePaths.Any(basePath => path.Equals(basePath + "/health", StringComparison.OrdinalIgnoreCase));
}
