using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Configuration;

/// <summary>
/// Connection to the Spacelift account: the <c>Spacelift</c> section, or <c>spacelift:</c> in a
/// Backstage app-config file.
/// </summary>
internal sealed class SpaceliftOptions
{
    public const string SectionName = "Spacelift";

    /// <summary>
    /// Account host such as <c>acme.app.spacelift.io</c>; a leading <c>https://</c> is accepted.
    /// </summary>
    [Required(ErrorMessage = "Spacelift:HostUrl is missing: set it to the account host, such as acme.app.spacelift.io (spacelift.hostUrl in app-config.yaml)")]
    [SpaceliftHostUrl]
    public string HostUrl { get; set; } = "";

    /// <summary>API key id, a 26-character ULID. Also read from <c>SPACELIFT_API_KEY</c>.</summary>
    [Required(ErrorMessage = "Spacelift:ApiKey is missing: set it, or SPACELIFT_API_KEY, to the API key id (spacelift.apiKey in app-config.yaml)")]
    public string ApiKey { get; set; } = "";

    /// <summary>API key secret. Also read from <c>SPACELIFT_API_SECRET</c>. Never logged.</summary>
    [Required(ErrorMessage = "Spacelift:ApiSecret is missing: set it, or SPACELIFT_API_SECRET, to the API key secret (spacelift.apiSecret in app-config.yaml)")]
    public string ApiSecret { get; set; } = "";

    /// <summary>When true, every route that would change Spacelift returns 403. Default false.</summary>
    public bool ReadOnly { get; set; }

    /// <summary>Longest time one call to Spacelift may take, retries included. Default 30 s.</summary>
    [TimeSpanRange("00:00:00.100", "00:10:00", ErrorMessage = "Spacelift:Timeout must be between 00:00:00.100 and 00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The parsed <see cref="HostUrl"/>; valid once the options have passed validation.</summary>
    public SpaceliftHost Host => SpaceliftHost.Parse(HostUrl);
}

/// <summary>Checks that a setting contains a Spacelift account host that <see cref="SpaceliftHost"/> accepts.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class SpaceliftHostUrlAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not string text || text.Length == 0)
        {
            return ValidationResult.Success;
        }

        return SpaceliftHost.TryParse(text, out _, out var error)
            ? ValidationResult.Success
            : new ValidationResult($"Spacelift:HostUrl is invalid: {error}");
    }
}

[OptionsValidator]
internal sealed partial class SpaceliftOptionsValidator : IValidateOptions<SpaceliftOptions>;
