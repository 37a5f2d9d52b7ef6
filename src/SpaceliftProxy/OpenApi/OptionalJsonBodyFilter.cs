using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SpaceliftProxy.OpenApi;

/// <summary>
/// Endpoint metadata: the route reads an optional JSON body of <paramref name="Type"/> itself. It is
/// not declared with <c>Accepts</c>, because that would make routing return 415 to a body of another
/// content type before the handler can explain the problem with 400.
/// </summary>
internal sealed record OptionalJsonBody(Type Type);

/// <summary>Documents the optional JSON body of routes that carry <see cref="OptionalJsonBody"/>.</summary>
internal sealed class OptionalJsonBodyFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var body = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<OptionalJsonBody>().FirstOrDefault();
        if (body is null)
        {
            return;
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = false,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = context.SchemaGenerator.GenerateSchema(body.Type, context.SchemaRepository) },
            },
        };
    }
}
