using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SpaceliftProxy.Auth;
using SpaceliftProxy.Configuration;

namespace SpaceliftProxy.Entities;

/// <summary>A catalog entity's reference and annotations, the only parts the entity routes read.</summary>
internal sealed record CatalogEntity(string EntityRef, IReadOnlyDictionary<string, string> Annotations);

/// <summary>
/// Reads entities from Backstage's catalog with the caller's own credentials, so that the
/// catalog's permission rules decide what the caller can read. Responses are never cached, because
/// they depend on the caller.
/// </summary>
internal sealed class BackstageCatalogClient(IHttpClientFactory httpClientFactory, BackstageDiscovery discovery, IOptions<CatalogOptions> options)
{
    private const string CatalogPluginId = "catalog";

    /// <summary>Name of the HttpClient for the catalog, with <c>Backstage:CatalogTimeout</c> as its timeout.</summary>
    public const string HttpClientName = "BackstageCatalog";

    /// <summary>
    /// Reads one entity through <c>GET /api/catalog/entities/by-name/{kind}/{namespace}/{name}</c>,
    /// sending <paramref name="authorization"/> as the <c>Authorization</c> header when there is one.
    /// </summary>
    /// <exception cref="CatalogException">The entity could not be read. The subclass names the reason.</exception>
    public async Task<CatalogEntity> GetEntityAsync(EntityName entity, string? authorization, CancellationToken cancellationToken)
    {
        // The catalog is found the way Backstage finds any plugin: a discovery entry, else {Backstage:BaseUrl}/api/catalog.
        var catalogBase = discovery.GetBaseUrl(CatalogPluginId) ?? throw new CatalogNotConfiguredException();
        var uri = new Uri(
            $"{catalogBase}/entities/by-name/{Uri.EscapeDataString(entity.Kind)}/{Uri.EscapeDataString(entity.Namespace)}/{Uri.EscapeDataString(entity.Name)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(authorization))
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await SendAsync(request, entity, catalogBase, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                return await ReadEntityAsync(response, entity, cancellationToken);

            case HttpStatusCode.NotFound:
                throw new CatalogEntityNotFoundException(entity.Ref);

            case HttpStatusCode.Unauthorized:
                throw new CatalogAccessDeniedException(
                    StatusCodes.Status401Unauthorized,
                    $"Backstage's catalog rejected the request's credentials (HTTP 401) when reading {entity.Ref}: send a valid Backstage token in the Authorization header.");

            case HttpStatusCode.Forbidden:
                throw new CatalogAccessDeniedException(
                    StatusCodes.Status403Forbidden,
                    $"Backstage's catalog does not allow the caller to read {entity.Ref} (HTTP 403).");

            default:
                throw new CatalogUnavailableException($"Backstage's catalog returned HTTP {(int)response.StatusCode} when reading {entity.Ref}.");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, EntityName entity, string catalogBase, CancellationToken cancellationToken)
    {
        try
        {
            return await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CatalogTimeoutException(
                $"Backstage's catalog did not respond within {options.Value.CatalogTimeout} (Backstage:CatalogTimeout) when reading {entity.Ref}.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new CatalogUnavailableException($"Could not reach Backstage's catalog at {catalogBase} (Backstage:BaseUrl, or the catalog's discovery.endpoints entry): {ex.Message}", ex);
        }
    }

    private static async Task<CatalogEntity> ReadEntityAsync(HttpResponseMessage response, EntityName entity, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new CatalogUnavailableException($"Backstage's catalog returned invalid JSON for {entity.Ref}.", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CatalogUnavailableException($"Backstage's catalog returned no entity object for {entity.Ref}.");
            }

            return new CatalogEntity(entity.Ref, ReadAnnotations(document.RootElement));
        }
    }

    /// <summary>Returns <c>metadata.annotations</c>. Backstage's annotation values are strings, so other values are skipped.</summary>
    private static Dictionary<string, string> ReadAnnotations(JsonElement entity)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (entity.TryGetProperty("metadata", out var metadata)
            && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("annotations", out var values)
            && values.ValueKind == JsonValueKind.Object)
        {
            foreach (var annotation in values.EnumerateObject())
            {
                if (annotation.Value.ValueKind == JsonValueKind.String)
                {
                    annotations[annotation.Name] = annotation.Value.GetString()!;
                }
            }
        }

        return annotations;
    }
}
