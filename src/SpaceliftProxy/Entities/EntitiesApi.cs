using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Diagnostics;
using SpaceliftProxy.Runs;

namespace SpaceliftProxy.Entities;

internal static class EntitiesApi
{
    public static IServiceCollection AddEntities(this IServiceCollection services)
    {
        services.AddSingleton<BackstageCatalogClient>();
        services.AddSingleton<EntityStackService>();
        services.AddHttpClient(BackstageCatalogClient.HttpClientName, (provider, client) =>
            {
                client.Timeout = provider.GetRequiredService<IOptions<CatalogOptions>>().Value.CatalogTimeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("SpaceliftProxy/1.0");
            })

            // A redirect would send the caller's request on to wherever the catalog points; it is an error instead.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });

        return services;
    }

    /// <summary>Maps the routes for a catalog entity's page under one base path.</summary>
    public static RouteGroupBuilder MapEntitiesApi(this RouteGroupBuilder api)
    {
        api.MapGet("/entities/{kind}/{namespace}/{name}/stacks", GetEntityStacks)
            .WithTags("Entities")
            .WithSummary("Returns the stacks a catalog entity's Spacelift annotations name, each with its latest runs.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        return api;
    }

    /// <param name="runs">Runs per stack, 0 to 20. Default 5.</param>
    public static async Task<Results<Ok<EntityStacks>, ProblemHttpResult>> GetEntityStacks(
        string kind,
        string @namespace,
        string name,
        string? runs,
        HttpRequest request,
        EntityStackService entities,
        CancellationToken cancellationToken)
    {
        if (EntityName.Validate(kind, @namespace, name) is { } nameError)
        {
            return ErrorResponses.BadRequest(nameError);
        }

        if (!RunQuery.TryParseCount(runs, "runs", 0, EntityStackService.MaxRuns, EntityStackService.DefaultRuns, out var runCount, out var runsError))
        {
            return ErrorResponses.BadRequest(runsError);
        }

        var authorization = request.Headers.Authorization.Count == 0 ? null : request.Headers.Authorization.ToString();

        return TypedResults.Ok(await entities.GetAsync(new EntityName(kind, @namespace, name), runCount, authorization, cancellationToken));
    }
}
