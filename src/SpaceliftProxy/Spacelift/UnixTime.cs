namespace SpaceliftProxy.Spacelift;

/// <summary>
/// Converts Spacelift's timestamps to UTC times. Spacelift's GraphQL API sends Unix seconds, but
/// its webhook and policy payloads use nanoseconds, so a value too large to be seconds is read as
/// milliseconds or nanoseconds instead of becoming a date thousands of years ahead.
/// </summary>
internal static class UnixTime
{
    /// <summary>Values above this (2001-09-09 in milliseconds, the year 33658 in seconds) are milliseconds.</summary>
    public const long MillisecondsAbove = 1_000_000_000_000;

    /// <summary>Values above this (1970-01-12 in nanoseconds) are nanoseconds.</summary>
    public const long NanosecondsAbove = 1_000_000_000_000_000;

    private static readonly long MaxSeconds = (long)(DateTime.MaxValue - DateTime.UnixEpoch).TotalSeconds;
    private static readonly long MaxMilliseconds = (long)(DateTime.MaxValue - DateTime.UnixEpoch).TotalMilliseconds;

    /// <summary>
    /// Returns the UTC time of a Unix timestamp in seconds, milliseconds or nanoseconds, or null when
    /// the value is missing, not positive (no real Spacelift time is) or later than <see cref="DateTime.MaxValue"/>.
    /// </summary>
    public static DateTime? ToUtc(long? value)
    {
        if (value is not { } number || number <= 0)
        {
            return null;
        }

        if (number > NanosecondsAbove)
        {
            // NOTE: a value in microseconds would be read as nanoseconds. Spacelift is not known to send any.
            return DateTime.UnixEpoch.AddTicks(number / TimeSpan.NanosecondsPerTick);
        }

        if (number > MillisecondsAbove)
        {
            return number <= MaxMilliseconds ? DateTime.UnixEpoch.AddMilliseconds(number) : null;
        }

        return number <= MaxSeconds ? DateTime.UnixEpoch.AddSeconds(number) : null;
    }
}
