using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Configuration;

/// <summary>Response caching: the <c>Cache</c> section.</summary>
internal sealed class CacheOptions
{
    public const string SectionName = "Cache";

    /// <summary>How long a stack list is served before Spacelift is asked again. Default 10 s.</summary>
    [TimeSpanRange("00:00:00", "01:00:00", ErrorMessage = "Cache:StacksTtl must be between 00:00:00 and 01:00:00")]
    public TimeSpan StacksTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one stack's details are served before Spacelift is asked again. Default 5 s.</summary>
    [TimeSpanRange("00:00:00", "01:00:00", ErrorMessage = "Cache:StackTtl must be between 00:00:00 and 01:00:00")]
    public TimeSpan StackTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one page of a stack's runs is served before Spacelift is asked again. Default 5 s.</summary>
    [TimeSpanRange("00:00:00", "01:00:00", ErrorMessage = "Cache:RunsTtl must be between 00:00:00 and 01:00:00")]
    public TimeSpan RunsTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the last good stack list, stack details and runs are served, marked stale, while
    /// Spacelift fails. Default 10 minutes; <c>00:00:00</c> returns every failure at once.
    /// </summary>
    [TimeSpanRange("00:00:00", "1.00:00:00", ErrorMessage = "Cache:StaleIfErrorWindow must be between 00:00:00 and 1.00:00:00")]
    public TimeSpan StaleIfErrorWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a request waits for Spacelift to refresh an expired entry before it gets the last
    /// good copy, marked stale, while the refresh carries on. Default 3 s; <c>00:00:00</c> always waits.
    /// </summary>
    [TimeSpanRange("00:00:00", "00:10:00", ErrorMessage = "Cache:ServeStaleAfter must be between 00:00:00 and 00:10:00")]
    public TimeSpan ServeStaleAfter { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Longest time a Redis call may take before the service carries on without Redis. Default 500 ms.
    /// </summary>
    [TimeSpanRange("00:00:00.010", "00:00:30", ErrorMessage = "Cache:RedisTimeout must be between 00:00:00.010 and 00:00:30")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long the service leaves Redis alone after a failed call before trying it again. Default 5 s.
    /// </summary>
    [TimeSpanRange("00:00:00", "00:10:00", ErrorMessage = "Cache:RedisRetryInterval must be between 00:00:00 and 00:10:00")]
    public TimeSpan RedisRetryInterval { get; set; } = TimeSpan.FromSeconds(5);
}

[OptionsValidator]
internal sealed partial class CacheOptionsValidator : IValidateOptions<CacheOptions>;
