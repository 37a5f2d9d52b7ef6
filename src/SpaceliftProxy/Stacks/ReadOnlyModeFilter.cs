using Microsoft.Extensions.Options;
using SpaceliftProxy.Auth;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Diagnostics;

namespace SpaceliftProxy.Stacks;

/// <summary>
/// Returns 403 without calling Spacelift when <c>Spacelift:ReadOnly</c> is set. Every route that
/// changes something in Spacelift gets it through <see cref="WriteRoutes.WritesToSpacelift"/>.
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

        var metadata = context.HttpContext.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<RunActionMetadata>() is { } action)
        {
            telemetry.RecordRunAction(action.Action.ToString().ToLowerInvariant(), "read_only");
        }

        return ValueTask.FromResult<object?>(ErrorResponses.Forbidden(metadata?.GetMetadata<ReadOnlyModeMessage>()?.Text ?? Message));
    }
}

/// <summary>Endpoint metadata: the message a route returns with 403 in read-only mode.</summary>
internal sealed record ReadOnlyModeMessage(string Text);

internal static class WriteRoutes
{
    /// <summary>
    /// Marks a route that changes something in Spacelift and adds every check such routes need, so
    /// that a new check reaches them all: the Backstage allow list, audit log and rate limit of
    /// <paramref name="action"/>, then <see cref="ReadOnlyModeFilter"/>, which returns 403 with
    /// <paramref name="readOnlyMessage"/> in read-only mode.
    /// </summary>
    public static RouteHandlerBuilder WritesToSpacelift(this RouteHandlerBuilder builder, RunAction action, string readOnlyMessage) =>
        builder
            .RequireRunAction(action)
            .WithMetadata(new ReadOnlyModeMessage(readOnlyMessage))
            .AddEndpointFilter<RouteHandlerBuilder, ReadOnlyModeFilter>();
}
