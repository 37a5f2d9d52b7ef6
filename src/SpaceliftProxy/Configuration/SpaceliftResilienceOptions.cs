using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Configuration;

/// <summary>
/// How calls to Spacelift are retried and cut off: the <c>Spacelift:Resilience</c> section. The
/// overall limit is <see cref="SpaceliftOptions.Timeout"/>. Queries and the API key exchange are
/// retried; run triggers, confirmations and discards never are, since a retry could act twice.
/// </summary>
internal sealed class SpaceliftResilienceOptions
{
    public const string SectionName = "Spacelift:Resilience";

    /// <summary>Longest time one attempt may take before it is abandoned and retried. Default 10 s.</summary>
    [TimeSpanRange("00:00:00.050", "00:10:00", ErrorMessage = "Spacelift:Resilience:AttemptTimeout must be between 00:00:00.050 and 00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a network error, HTTP 5xx, 408 or 429, or an attempt timeout. Default 2; 0 turns retries off.</summary>
    [NumberRange(0, 10, ErrorMessage = "Spacelift:Resilience:MaxRetries must be between 0 and 10")]
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay; later ones double, with jitter. Default 200 ms.</summary>
    [TimeSpanRange("00:00:00", "00:01:00", ErrorMessage = "Spacelift:Resilience:RetryDelay must be between 00:00:00 and 00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Longest <c>Retry-After</c> of an HTTP 429 that is waited out; a longer one is passed to the
    /// caller as 503 with the same <c>Retry-After</c>. Default 2 s.
    /// </summary>
    [TimeSpanRange("00:00:00", "00:01:00", ErrorMessage = "Spacelift:Resilience:MaxRetryAfter must be between 00:00:00 and 00:01:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Share of failed calls within <see cref="CircuitBreakerSamplingDuration"/> that opens the circuit. Default 0.5.</summary>
    [NumberRange(0.01, 1.0, ErrorMessage = "Spacelift:Resilience:CircuitBreakerFailureRatio must be between 0.01 and 1")]
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Fewest calls within the sampling duration before the circuit may open. Default 10.</summary>
    [NumberRange(2, 10_000, ErrorMessage = "Spacelift:Resilience:CircuitBreakerMinimumThroughput must be between 2 and 10000")]
    public int CircuitBreakerMinimumThroughput { get; set; } = 10;

    /// <summary>Window over which failures are counted. Default 30 s.</summary>
    [TimeSpanRange("00:00:00.500", "00:10:00", ErrorMessage = "Spacelift:Resilience:CircuitBreakerSamplingDuration must be between 00:00:00.500 and 00:10:00")]
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit stops calls before one trial call is let through. Default 15 s.</summary>
    [TimeSpanRange("00:00:00.500", "00:10:00", ErrorMessage = "Spacelift:Resilience:CircuitBreakerBreakDuration must be between 00:00:00.500 and 00:10:00")]
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}

[OptionsValidator]
internal sealed partial class SpaceliftResilienceOptionsValidator : IValidateOptions<SpaceliftResilienceOptions>;
