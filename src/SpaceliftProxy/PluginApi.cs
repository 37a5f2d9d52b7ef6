using SpaceliftProxy.Auth;
using SpaceliftProxy.Diagnostics;
using SpaceliftProxy.Entities;
using SpaceliftProxy.Runs;
using SpaceliftProxy.Stacks;

namespace SpaceliftProxy;

/// <summary>Maps the plugin's routes under each base path Backstage installations call.</summary>
internal static class PluginApi
{
    /// <summary>
    /// <c>/api/spacelift-io</c> is what Backstage discovery gives for the plugin id the official
    /// frontend asks for; <c>/api/spacelift</c> serves installations routed by the frontend's own id.
    /// </summary>
    public static readonly IReadOnlyList<string> BasePaths = ["/api/spacelift-io", "/api/spacelift"];

    public static WebApplication MapPluginApi(this WebApplication app)
    {
        foreach (var basePath in BasePaths)
        {
            app.MapGroup(basePath)
                .RequireBackstageCredentials()
                .MapPluginHealthApi()
                .MapPluginAuthApi()
                .MapStacksApi()
                .MapRunsApi()
                .MapEntitiesApi();
        }

        return app;
    }
}
