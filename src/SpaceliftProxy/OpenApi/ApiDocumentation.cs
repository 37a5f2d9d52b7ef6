using Microsoft.OpenApi;

namespace SpaceliftProxy.OpenApi;

/// <summary>
/// The OpenAPI document, generated from the endpoints' types and served with Swagger UI at
/// <c>/swagger</c>. A copy is checked in under <c>openapi/</c>, and a test fails when they differ.
/// </summary>
internal static class ApiDocumentation
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/swagger/v1/swagger.json";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "Spacelift Proxy",
                Version = "v1",
                Description = "Serves the Spacelift Backstage plugin's REST contract from Spacelift's GraphQL API.",
            });
            options.SupportNonNullableReferenceTypes();

            // Nullable references such as a run's delta must say so, which OpenAPI 3.0 allows only beside an allOf.
            options.UseAllOfToExtendReferenceSchemas();
            options.CustomSchemaIds(type => type.Name);
            options.SchemaFilter<ErrorMemberSchemaFilter>();
            options.AddSecurityDefinition(BackstageSecurityFilter.SchemeName, BackstageSecurityFilter.Scheme);
            options.OperationFilter<BackstageSecurityFilter>();
            options.DocumentFilter<MetricsDocumentFilter>();
            options.OperationFilter<OptionalJsonBodyFilter>();
        });

        return services;
    }

    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(options => options.SwaggerEndpoint(DocumentPath, "Spacelift Proxy v1"));

        return app;
    }
}
