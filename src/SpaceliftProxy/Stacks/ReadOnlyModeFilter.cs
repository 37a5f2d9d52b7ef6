using Microsoft.Extensions.Options;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Diagnostics;

namespace SpaceliftProxy.Stacks;

/// <summary>
/// Answers 403 without calling Spacelift when <c>Spacelift:ReadOnly</c> is set; put on every route
/// that changes something in Spacelift.
/// </summary>
internal sealed class ReadOnlyModeFilter(IOptions<SpaceliftOptions> options, ProxyTelemetry telemetry) : IEndpointFilter
{
    // The Node plugin's wording, which existing users and their docs already know.
    public const string Message = "Trigger functionality is disabled. Plugin is in read-only mode.";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!options.Value.ReadOnly)
        {
            return next(context);
        }

        // The action is the last path segment: trigger, confirm or discard.
        var path = context.HttpContext.Request.Path.Value ?? "";
        telemetry.RecordRunAction(path[(path.LastIndexOf('/') + 1)..], "read_only");

        return ValueTask.FromResult<object?>(ErrorResponses.Forbidden(Message));
    }
}
