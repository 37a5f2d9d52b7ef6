using Microsoft.OpenApi;
using SpaceliftProxy.Diagnostics;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SpaceliftProxy.OpenApi;

/// <summary>
/// Describes the Prometheus scrape endpoint, which the exporter maps as a plain request delegate
/// that API Explorer cannot see.
/// </summary>
internal sealed class MetricsDocumentFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        swaggerDoc.Paths ??= new OpenApiPaths();
        swaggerDoc.Paths[DiagnosticPaths.Metrics] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new OpenApiOperation
                {
                    Tags = new HashSet<OpenApiTagReference> { new("Health", swaggerDoc) },
                    Summary = "Metrics in the Prometheus text format.",
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "OK",
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["text/plain"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                            },
                        },
                    },
                },
            },
        };
    }
}
