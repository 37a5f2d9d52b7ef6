namespace SpaceliftProxy.Entities;

/// <summary>
/// A request to Backstage's catalog that did not return the entity. Each subclass is one kind of
/// failure, and the error mapping decides the HTTP status and message returned to the caller.
/// </summary>
internal abstract class CatalogException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>Neither <c>Backstage:BaseUrl</c> nor a discovery entry says where the catalog is.</summary>
internal sealed class CatalogNotConfiguredException()
    : CatalogException("The entity routes need Backstage's address: set Backstage:BaseUrl (backend.baseUrl in app-config.yaml) to the Backstage backend, such as http://backstage:7007, or give the catalog plugin a discovery.endpoints entry.");

/// <summary>The catalog has no such entity, or does not show it to the caller.</summary>
internal sealed class CatalogEntityNotFoundException(string entityRef)
    : CatalogException($"Backstage's catalog has no entity {entityRef}.");

/// <summary>The catalog rejected the caller's credentials (401) or their access to the entity (403).</summary>
internal sealed class CatalogAccessDeniedException(int statusCode, string message) : CatalogException(message)
{
    /// <summary>The catalog's status code, passed on to the caller.</summary>
    public int StatusCode { get; } = statusCode;
}

/// <summary>The catalog could not be reached, or responded with an error or with data that is not an entity.</summary>
internal sealed class CatalogUnavailableException(string message, Exception? innerException = null) : CatalogException(message, innerException);

/// <summary>The catalog did not respond within <c>Backstage:CatalogTimeout</c>.</summary>
internal sealed class CatalogTimeoutException(string message, Exception? innerException = null) : CatalogException(message, innerException);
