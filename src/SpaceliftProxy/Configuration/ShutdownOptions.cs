using Microsoft.Extensions.Options;

namespace SpaceliftProxy.Configuration;

/// <summary>Graceful shutdown: the <c>Shutdown</c> section.</summary>
internal sealed class ShutdownOptions
{
    public const string SectionName = "Shutdown";

    /// <summary>
    /// How long the service keeps serving after SIGTERM with readiness already failing, so load
    /// balancers stop sending it requests before it stops listening. In-flight requests then get
    /// up to <c>HostOptions:ShutdownTimeout</c> (30 s) to finish. Default 5 s.
    /// </summary>
    [TimeSpanRange("00:00:00", "00:05:00", ErrorMessage = "Shutdown:DrainDelay must be between 00:00:00 and 00:05:00")]
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(5);
}

[OptionsValidator]
internal sealed partial class ShutdownOptionsValidator : IValidateOptions<ShutdownOptions>;
