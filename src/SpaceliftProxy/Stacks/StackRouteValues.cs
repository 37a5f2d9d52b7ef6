using SpaceliftProxy.Diagnostics;

namespace SpaceliftProxy.Stacks;

/// <summary>
/// Checks the ids in a request path before anything is sent to Spacelift. Stack ids are slugs
/// (<c>A-Z a-z 0-9 . _ -</c>, at most 255 characters); run ids are ULIDs, checked the same way.
/// </summary>
internal sealed class StackRouteValues : IEndpointFilter
{
    public const int MaxIdLength = 255;

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var routeValues = context.HttpContext.Request.RouteValues;
        foreach (var name in (ReadOnlySpan<string>)["stackId", "runId"])
        {
            if (routeValues.TryGetValue(name, out var value) && Validate(value as string, name == "stackId" ? "stack id" : "run id") is { } error)
            {
                return ValueTask.FromResult<object?>(ErrorResponses.BadRequest(error));
            }
        }

        return next(context);
    }

    /// <summary>Returns why an id is invalid, or null when it is valid.</summary>
    public static string? Validate(string? id, string what)
    {
        if (string.IsNullOrEmpty(id))
        {
            return $"The {what} is empty.";
        }

        if (id.Length > MaxIdLength)
        {
            return $"The {what} is {id.Length} characters long; the maximum is {MaxIdLength}.";
        }

        foreach (var character in id)
        {
            if (!char.IsAsciiLetterOrDigit(character) && character is not ('.' or '_' or '-'))
            {
                return $"The {what} '{id}' contains '{character}'; only A-Z, a-z, 0-9, '.', '_' and '-' are allowed.";
            }
        }

        return null;
    }
}
