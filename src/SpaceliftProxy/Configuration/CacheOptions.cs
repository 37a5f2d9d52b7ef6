using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Configuration;

/// <summary>Response caching: the <c>Cache</c> section.</summary>
internal sealed class CacheOptions
{
    public const string SectionName = "Cache";

    /// <summary>How long a stack list is served before Spacelift is asked again. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Cache:StacksTtl must be between 00:00:00 and 01:00:00")]
    public TimeSpan StacksTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest time a Redis call may take before the service carries on without Redis. Default 500 ms.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30", ErrorMessage = "Cache:RedisTimeout must be between 00:00:00.010 and 00:00:30")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long the service leaves Redis alone after a failed call before trying it again. Default 5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Cache:RedisRetryInterval must be between 00:00:00 and 00:10:00")]
    public TimeSpan RedisRetryInterval { get; set; } = TimeSpan.FromSeconds(5);
}

[OptionsValidator]
internal sealed partial class CacheOptionsValidator : IValidateOptions<CacheOptions>;
