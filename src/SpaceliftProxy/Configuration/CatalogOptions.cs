using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Configuration;

/// <summary>
/// Where Backstage's catalog is, for the entity routes: the <c>Backstage</c> section, or
/// <c>backend.baseUrl</c> in a Backstage app-config file.
/// </summary>
internal sealed class CatalogOptions
{
    public const string SectionName = "Backstage";

    /// <summary>
    /// Backstage backend address, such as <c>https://backstage.example.com</c>. The catalog is read
    /// at <c>{BaseUrl}/api/catalog</c>. Optional: without it the entity routes return 503.
    /// </summary>
    [BackstageBaseUrl]
    public string? BaseUrl { get; set; }

    /// <summary>Maximum time one request to the catalog may take before the caller gets 504. Default 10 s.</summary>
    [TimeSpanRange("00:00:00.100", "00:05:00", ErrorMessage = "Backstage:CatalogTimeout must be between 00:00:00.100 and 00:05:00")]
    public TimeSpan CatalogTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <see cref="BaseUrl"/> with a trailing slash, so that relative catalog paths keep any path
    /// prefix it has, or null when it is not set. Valid once the options have passed validation.
    /// </summary>
    public Uri? BaseUri => string.IsNullOrWhiteSpace(BaseUrl) ? null : new Uri(BaseUrl.Trim().TrimEnd('/') + "/");
}

/// <summary>Checks that a setting, when set, is an absolute http or https URL without query or fragment.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class BackstageBaseUrlAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not string text || string.IsNullOrWhiteSpace(text))
        {
            return ValidationResult.Success;
        }

        var valid = Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.Query.Length == 0
            && uri.Fragment.Length == 0
            && uri.UserInfo.Length == 0;

        return valid
            ? ValidationResult.Success
            : new ValidationResult($"Backstage:BaseUrl is invalid: '{text}' is not an http:// or https:// address without user information, query or fragment, such as https://backstage.example.com (backend.baseUrl in app-config.yaml)");
    }
}

[OptionsValidator]
internal sealed partial class CatalogOptionsValidator : IValidateOptions<CatalogOptions>;
