using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Configuration;

/// <summary>
/// Calls to Backstage's catalog for the entity routes: <c>Backstage:CatalogTimeout</c>. Where the
/// catalog is comes from <c>Backstage:BaseUrl</c> and <c>Backstage:Discovery:Endpoints</c>, read
/// with the Backstage credentials settings.
/// </summary>
internal sealed class CatalogOptions
{
    public const string SectionName = "Backstage";

    /// <summary>Maximum time one request to the catalog may take before the caller gets 504. Default 10 s.</summary>
    [TimeSpanRange("00:00:00.100", "00:05:00", ErrorMessage = "Backstage:CatalogTimeout must be between 00:00:00.100 and 00:05:00")]
    public TimeSpan CatalogTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

[OptionsValidator]
internal sealed partial class CatalogOptionsValidator : IValidateOptions<CatalogOptions>;
