namespace SpaceliftProxy.FakeSpacelift;

/// <summary>
/// Settings of one stand-in instance. The server reads Port, Seed, StackCount, ExtraStackStates,
/// EnableControlEndpoints and TimeProvider once at start; it reads the others on every request.
/// </summary>
public sealed class FakeSpaceliftOptions
{
    public const string DefaultApiKeyId = "01HQDEMO0KEY0000000000000A";

    /// <summary>The only API key id that <c>apiKeyUser</c> accepts; 26 characters like Spacelift's.</summary>
    public string ApiKeyId { get; set; } = DefaultApiKeyId;

    public string ApiKeySecret { get; set; } = "demo-secret";

    /// <summary>Validity of issued tokens; <c>validUntil</c> is rounded up to whole Unix seconds.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    public int StackCount { get; set; } = 24;

    public int Seed { get; set; } = 42;

    /// <summary>Number of runs in one page of <c>Stack.runs</c>.</summary>
    public int RunsPageSize { get; set; } = 10;

    /// <summary>
    /// Names added to the <c>StackState</c> enum of this instance only, to imitate Spacelift having
    /// a state that the service's schema file does not know yet.
    /// </summary>
    public IReadOnlyList<string> ExtraStackStates { get; set; } = [];

    /// <summary>TCP port on 127.0.0.1; 0 picks a free port.</summary>
    public int Port { get; set; }

    /// <summary>Whether the <c>/_fake/</c> control endpoints, which real Spacelift does not have, are served.</summary>
    public bool EnableControlEndpoints { get; set; } = true;

    /// <summary>Clock for timestamps and token expiry.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(ApiKeyId, nameof(ApiKeyId));
        ArgumentNullException.ThrowIfNull(ApiKeySecret, nameof(ApiKeySecret));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TokenLifetime, TimeSpan.Zero, nameof(TokenLifetime));
        ArgumentOutOfRangeException.ThrowIfNegative(StackCount, nameof(StackCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(RunsPageSize, 1, nameof(RunsPageSize));
        ArgumentOutOfRangeException.ThrowIfNegative(Port, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        ArgumentNullException.ThrowIfNull(ExtraStackStates, nameof(ExtraStackStates));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
