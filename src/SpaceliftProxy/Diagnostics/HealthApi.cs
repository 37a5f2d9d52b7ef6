namespace SpaceliftProxy.Diagnostics;

internal static class HealthApi
{
    /// <summary>Maps <c>{base}/health</c>, which Backstage plugins answer without credentials.</summary>
    public static RouteGroupBuilder MapPluginHealthApi(this RouteGroupBuilder api)
    {
        api.MapGet("/health", () => TypedResults.Ok(HealthStatus.Ok))
            .AllowAnonymous()
            .WithTags("Health")
            .WithSummary("Answers while the service runs; needs no credentials.");

        return api;
    }
}

internal sealed record HealthStatus(string Status)
{
    public static readonly HealthStatus Ok = new("ok");
}
