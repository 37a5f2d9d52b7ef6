using System.Text.Json.Serialization;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>How a matched request misbehaves.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FakeFaultKind>))]
public enum FakeFaultKind
{
    /// <summary>HTTP <see cref="FakeFault.StatusCode"/> with a short text body.</summary>
    ServerError,

    /// <summary>HTTP 429 with a <c>Retry-After</c> header in whole seconds (1 when <see cref="FakeFault.RetryAfter"/> is null).</summary>
    RateLimited,

    /// <summary>No response until the client disconnects or the server stops.</summary>
    Hang,

    /// <summary>HTTP 200 with an <c>application/json</c> body that is cut off mid-document.</summary>
    InvalidJson,

    /// <summary>HTTP 200 with <c>data: null</c> and one error carrying <see cref="FakeFault.Message"/> or <c>internal error</c>.</summary>
    GraphQLError,

    /// <summary>Normal execution, then one field of the first item is nulled and reported as <c>internal error</c>.</summary>
    PartialData,

    /// <summary>
    /// The operation's root fields fail with <c>not available for machine sessions</c>. As the GraphQL
    /// spec requires, a non-null root field such as <c>stacks</c> makes the whole <c>data</c> null.
    /// </summary>
    MachineSessionGate,

    /// <summary>HTTP 401 with a short text body.</summary>
    HttpUnauthorized,

    /// <summary>
    /// Normal execution, except that <c>Stack.runs</c> ignores its <c>before</c> argument and
    /// returns the newest runs again, like a server whose cursor does not advance.
    /// </summary>
    StuckRunsCursor,
}

/// <summary>
/// A fault rule. <paramref name="Operation"/> matches the GraphQL operation name (null matches every
/// request); <paramref name="Times"/> is how many matching requests the rule affects before it lapses
/// (null means forever).
/// </summary>
public sealed record FakeFault(FakeFaultKind Kind, string? Operation = null, int? Times = null)
{
    public TimeSpan? RetryAfter { get; init; }

    public int StatusCode { get; init; } = 500;

    public string? Message { get; init; }
}

/// <summary>
/// Fault rules and added latency, changeable while the server runs. All members are thread-safe.
/// The first rule that matches a request applies; the others wait for later requests.
/// </summary>
public sealed class FakeFaults
{
    private readonly Lock _lock = new();
    private readonly List<ActiveRule> _rules = [];
    private readonly FakeTokenStore _tokens;
    private long _latencyTicks;
    private Action<string?>? _beforeOperation;

    internal FakeFaults(FakeTokenStore tokens)
    {
        _tokens = tokens;
    }

    /// <summary>Delay before every GraphQL response, including faulty ones.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _latencyTicks, value.Ticks);
        }
    }

    /// <summary>
    /// Called with the operation name before each GraphQL request executes, after the latency and
    /// before the fault rules. A test uses it to change the data between two requests of the
    /// service, as another Spacelift user would. Null calls nothing.
    /// </summary>
    public Action<string?>? BeforeOperation
    {
        get => Volatile.Read(ref _beforeOperation);
        set => Volatile.Write(ref _beforeOperation, value);
    }

    /// <summary>Copies of the rules still in force, in the order they are tried.</summary>
    public IReadOnlyList<FakeFault> Rules
    {
        get
        {
            lock (_lock)
            {
                return [.. _rules.Select(rule => rule.Remaining is null ? rule.Fault : rule.Fault with { Times = rule.Remaining })];
            }
        }
    }

    public void Add(FakeFault rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (!Enum.IsDefined(rule.Kind))
        {
            throw new ArgumentException($"Unknown fault kind {rule.Kind}.", nameof(rule));
        }

        if (rule.Times is < 1)
        {
            throw new ArgumentException($"Times must be at least 1, or null for a rule that never lapses; got {rule.Times}.", nameof(rule));
        }

        if (rule.StatusCode is < 100 or > 599)
        {
            throw new ArgumentException($"StatusCode must be an HTTP status between 100 and 599; got {rule.StatusCode}.", nameof(rule));
        }

        if (rule.RetryAfter < TimeSpan.Zero)
        {
            throw new ArgumentException($"RetryAfter must not be negative; got {rule.RetryAfter}.", nameof(rule));
        }

        lock (_lock)
        {
            _rules.Add(new ActiveRule(rule));
        }
    }

    /// <summary>Removes every rule; the latency stays.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    /// <summary>Makes every token issued so far invalid, as if it had expired.</summary>
    public void RevokeTokens() => _tokens.RevokeAll();

    /// <summary>Returns the first rule matching the operation and counts the request against it.</summary>
    internal FakeFault? Match(string? operationName)
    {
        lock (_lock)
        {
            var index = _rules.FindIndex(rule => rule.Fault.Operation is null || rule.Fault.Operation == operationName);
            if (index < 0)
            {
                return null;
            }

            var match = _rules[index];
            if (match.Remaining is not null && --match.Remaining == 0)
            {
                _rules.RemoveAt(index);
            }

            return match.Fault;
        }
    }

    private sealed class ActiveRule(FakeFault fault)
    {
        public FakeFault Fault { get; } = fault;

        public int? Remaining { get; set; } = fault.Times;
    }
}
