using Microsoft.AspNetCore.Http.HttpResults;
using SpaceliftProxy.Auth;
using SpaceliftProxy.Caching;
using SpaceliftProxy.Diagnostics;
using SpaceliftProxy.OpenApi;

namespace SpaceliftProxy.Stacks;

internal static class StacksApi
{
    public static IServiceCollection AddStacks(this IServiceCollection services)
    {
        services.AddSingleton<StackService>();
        services.AddSingleton<StackRouteValues>();
        services.AddSingleton<ReadOnlyModeFilter>();

        return services;
    }

    /// <summary>Maps the routes the Spacelift frontend plugin calls, and a stack's details, under one base path.</summary>
    public static RouteGroupBuilder MapStacksApi(this RouteGroupBuilder api)
    {
        var stacks = api.MapGroup("/stacks")
            .WithTags("Stacks")
            .AddEndpointFilter<StackRouteValues>()
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        stacks.MapGet("", ListStacks)
            .WithSummary("Lists every stack the API key can see, optionally filtered.");

        stacks.MapGet("/{stackId}", GetStack)
            .WithSummary("Returns one stack's details.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        stacks.MapPost("/{stackId}/trigger", TriggerRun)
            .WithSummary("Triggers a run: without a body, a tracked run on the stack's tracked commit.")
            .WritesToSpacelift(RunAction.Trigger, ReadOnlyModeFilter.Message)
            .WithMetadata(new OptionalJsonBody(typeof(TriggerRunRequest)))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        // Paths such as /stacks//trigger match no route above; they are bad input, not a missing route.
        stacks.MapMethods("/{**rest}", [HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete], MalformedStackPath)
            .ExcludeFromDescription();

        return api;
    }

    /// <param name="space">A space id, or a space name in any case. Repeated, any one of the spaces matches.</param>
    /// <param name="label">A label the stack must carry. Repeated, every label must match.</param>
    /// <param name="state">A stack state such as FAILED. Repeated, any one of the states matches.</param>
    /// <param name="q">Text the stack's name or description contains, in any case.</param>
    public static async Task<Ok<IReadOnlyList<StackSummary>>> ListStacks(
        StackService stacks,
        HttpResponse response,
        TimeProvider time,
        string[]? space,
        string[]? label,
        string[]? state,
        string? q,
        CancellationToken cancellationToken)
    {
        var result = await stacks.ListAsync(cancellationToken);
        CacheStatusHeader.Set(response, result, stacks.ListLifetime, time);

        return TypedResults.Ok(StackFilter.From(space, label, state, q).Apply(result.Value));
    }

    public static async Task<Ok<StackDetails>> GetStack(
        string stackId, StackService stacks, HttpResponse response, TimeProvider time, CancellationToken cancellationToken)
    {
        var result = await stacks.GetAsync(stackId, cancellationToken);
        CacheStatusHeader.Set(response, result, stacks.DetailsLifetime, time);

        return TypedResults.Ok(result.Value);
    }

    public static async Task<Results<Ok<TriggeredRun>, ProblemHttpResult>> TriggerRun(
        string stackId, HttpRequest request, StackService stacks, CancellationToken cancellationToken)
    {
        var (body, error) = await TriggerRunRequest.ReadAsync(request, cancellationToken);
        if (body is null)
        {
            return ErrorResponses.BadRequest(error ?? "The trigger body is invalid.");
        }

        return TypedResults.Ok(await stacks.TriggerAsync(stackId, body.CommitSha, body.RunType, cancellationToken));
    }

    /// <summary>
    /// Answers paths under <c>/stacks</c> that no route matches: an empty id is bad input, a known
    /// route with the wrong method is 405 with <c>Allow</c>, anything else 404.
    /// </summary>
    public static ProblemHttpResult MalformedStackPath(string? rest, HttpRequest request, HttpResponse response)
    {
        if (rest?.StartsWith('/') == true)
        {
            return ErrorResponses.BadRequest("The stack id is empty.");
        }

        if (rest?.Contains("/runs//", StringComparison.Ordinal) == true)
        {
            return ErrorResponses.BadRequest("The run id is empty.");
        }

        string[] segments = string.IsNullOrEmpty(rest) ? [] : rest.Split('/');
        var allowed = segments switch
        {
            [] or [_] or [_, "runs"] => HttpMethods.Get,
            [_, "trigger"] or [_, "runs", _, "confirm" or "discard"] => HttpMethods.Post,
            _ => null,
        };

        if (allowed is null || HttpMethods.Equals(allowed, request.Method))
        {
            return ErrorResponses.NotFound($"No route matches {request.Method} {request.Path}.");
        }

        response.Headers.Allow = allowed;

        return ErrorResponses.Problem(StatusCodes.Status405MethodNotAllowed, $"{request.Method} is not allowed on {request.Path}; use {allowed}.");
    }
}
