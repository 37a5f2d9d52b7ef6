using Microsoft.Extensions.Options;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Diagnostics;

namespace SpaceliftProxy.Stacks;

/// <summary>
/// Returns 403 without calling Spacelift when <c>Spacelift:ReadOnly</c> is set. Every route that
/// changes something in Spacelift gets it through <see cref="WriteRoutes.WritesToSpacelift"/>.
/// </summary>
internal sealed class ReadOnlyModeFilter(IOptions<SpaceliftOptions> options) : IEndpointFilter
{
    // The Node plugin's wording, which existing users and their docs already know.
    public const string Message = "Trigger functionality is disabled. Plugin is in read-only mode.";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        options.Value.ReadOnly
            ? ValueTask.FromResult<object?>(ErrorResponses.Forbidden(MessageFor(context.HttpContext)))
            : next(context);

    private static string MessageFor(HttpContext httpContext) =>
        httpContext.GetEndpoint()?.Metadata.GetMetadata<ReadOnlyModeMessage>()?.Text ?? Message;
}

/// <summary>Endpoint metadata: the message a route returns with 403 in read-only mode.</summary>
internal sealed record ReadOnlyModeMessage(string Text);

internal static class WriteRoutes
{
    /// <summary>
    /// Marks routes that change something in Spacelift. Every check such routes need is added here,
    /// so that a new one reaches them all. Today that is <see cref="ReadOnlyModeFilter"/>, which
    /// returns 403 with <paramref name="readOnlyMessage"/> in read-only mode.
    /// </summary>
    public static TBuilder WritesToSpacelift<TBuilder>(this TBuilder builder, string readOnlyMessage)
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .WithMetadata(new ReadOnlyModeMessage(readOnlyMessage))
            .AddEndpointFilter<TBuilder, ReadOnlyModeFilter>();
}
