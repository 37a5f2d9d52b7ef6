using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SpaceliftProxy.OpenApi;

/// <summary>
/// Documents the <c>error</c> member that every problem details response of this service carries,
/// which is the message the Spacelift frontend plugin shows.
/// </summary>
internal sealed class ErrorMemberSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (context.Type != typeof(ProblemDetails) || schema is not OpenApiSchema problem)
        {
            return;
        }

        problem.Properties ??= new Dictionary<string, IOpenApiSchema>();
        problem.Properties["error"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "What failed and, where the operator can fix it, how; the same text as detail.",
        };
        problem.Required ??= new HashSet<string>();
        problem.Required.Add("error");
    }
}
