using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SpaceliftProxy.OpenApi;

/// <summary>
/// Marks the operations behind the credentials barrier as needing a Backstage bearer token, so
/// Swagger UI sends one; operations that allow anonymous callers are left open.
/// </summary>
internal sealed class BackstageSecurityFilter : IOperationFilter
{
    public const string SchemeName = "Backstage";

    public static OpenApiSecurityScheme Scheme { get; } = new()
    {
        Type = SecuritySchemeType.Http,
        Scheme = "bearer",
        BearerFormat = "JWT",
        Description = "A Backstage user token, a plugin token from another Backstage backend, or a static or legacy token from backend.auth.externalAccess.",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
        {
            return;
        }

        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [],
        });
    }
}
