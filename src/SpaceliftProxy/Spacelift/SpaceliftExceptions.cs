namespace SpaceliftProxy.Spacelift;

/// <summary>
/// A call to Spacelift that did not produce the data asked for. Each subclass is one kind of
/// failure; the HTTP status and message it becomes are decided in one place, the error mapping.
/// </summary>
internal abstract class SpaceliftException(string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>Short name of the failure for metrics and traces, such as <c>timeout</c>.</summary>
    public abstract string Kind { get; }
}

/// <summary>The API key exchange failed: Spacelift does not accept the configured key id and secret.</summary>
internal sealed class SpaceliftApiKeyRejectedException(string message, Exception? innerException = null)
    : SpaceliftException(message, innerException)
{
    public override string Kind => "api_key_rejected";
}

/// <summary>
/// Spacelift answered <c>unauthorized</c> to a token this service had just obtained, so the key is
/// valid but lacks access to what was asked (for example, the stack writer role for a trigger).
/// </summary>
internal sealed class SpaceliftAccessDeniedException(string message) : SpaceliftException(message)
{
    public override string Kind => "access_denied";
}

/// <summary>
/// Spacelift returned <c>unauthorized</c>. Raised inside the client, which refreshes the token and
/// retries once; callers see <see cref="SpaceliftAccessDeniedException"/> if that fails too.
/// </summary>
internal sealed class SpaceliftUnauthorizedException(string message, long tokenGeneration) : SpaceliftException(message)
{
    public override string Kind => "unauthorized";

    /// <summary>The generation of the token that was rejected, so that only that token is dropped.</summary>
    public long TokenGeneration { get; } = tokenGeneration;
}

/// <summary>Spacelift has no such stack or run, or does not show it to this API key.</summary>
internal sealed class SpaceliftNotFoundException(string message) : SpaceliftException(message)
{
    public override string Kind => "not_found";
}

/// <summary>Spacelift refuses the field to API-key sessions (<c>not available for machine sessions</c>).</summary>
internal sealed class SpaceliftMachineSessionException(string message) : SpaceliftException(message)
{
    public override string Kind => "machine_session";
}

/// <summary>Spacelift returned a GraphQL error that has no more specific meaning.</summary>
internal sealed class SpaceliftRequestFailedException(string message) : SpaceliftException(message)
{
    public override string Kind => "request_failed";
}

/// <summary>Spacelift responded, but not with data of the expected shape (invalid JSON, missing fields).</summary>
internal sealed class SpaceliftInvalidResponseException(string message, Exception? innerException = null)
    : SpaceliftException(message, innerException)
{
    public override string Kind => "invalid_response";
}

/// <summary>Spacelift could not be reached or answered with a server error.</summary>
internal sealed class SpaceliftUnavailableException(string message, Exception? innerException = null)
    : SpaceliftException(message, innerException)
{
    public override string Kind => "unavailable";
}

/// <summary>Spacelift is rate limiting this API key.</summary>
internal sealed class SpaceliftRateLimitedException(string message, TimeSpan? retryAfter) : SpaceliftException(message)
{
    public override string Kind => "rate_limited";

    /// <summary>How long Spacelift asked callers to wait, or null when its response did not say.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>Spacelift did not answer within the configured timeout.</summary>
internal sealed class SpaceliftTimeoutException(string message, Exception? innerException = null)
    : SpaceliftException(message, innerException)
{
    public override string Kind => "timeout";
}
