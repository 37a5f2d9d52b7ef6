namespace SpaceliftProxy.FakeSpacelift;

/// <summary>
/// A GraphQL request as the stand-in received it. <see cref="OperationName"/> is the request's
/// <c>operationName</c>, else the name in the document, else null for an anonymous operation.
/// </summary>
public sealed record FakeRequest(
    DateTimeOffset Time,
    string? OperationName,
    string? Authorization,
    IReadOnlyDictionary<string, string> Headers,
    string? Query,
    string Body);

/// <summary>Counts and recent copies of the GraphQL requests received. All members are thread-safe.</summary>
public sealed class FakeRequestLog
{
    /// <summary>Key under which <see cref="Count"/> files operations without a name.</summary>
    public const string AnonymousOperation = "(anonymous)";

    /// <summary>Number of requests kept in <see cref="Recent"/>; older ones are dropped.</summary>
    public const int Capacity = 200;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly Queue<FakeRequest> _recent = new();
    private int _total;
    private int _tokensIssued;
    private int _inFlight;
    private int _maxInFlight;

    public int Total
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    /// <summary>Number of successful <c>apiKeyUser</c> exchanges.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>
    /// Largest number of GraphQL requests answered at the same time since the start or the last
    /// <see cref="Reset"/>. It shows how many calls a client runs in parallel.
    /// </summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>The last requests, oldest first.</summary>
    public IReadOnlyList<FakeRequest> Recent
    {
        get
        {
            lock (_lock)
            {
                return [.. _recent];
            }
        }
    }

    /// <summary>Returns the number of requests for an operation; pass <see cref="AnonymousOperation"/> for unnamed ones.</summary>
    public int Count(string operation)
    {
        lock (_lock)
        {
            return _counts.GetValueOrDefault(operation);
        }
    }

    /// <summary>Returns a copy of the per-operation counts.</summary>
    public IReadOnlyDictionary<string, int> Counts()
    {
        lock (_lock)
        {
            return new Dictionary<string, int>(_counts, StringComparer.Ordinal);
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _counts.Clear();
            _recent.Clear();
            _total = 0;
            Interlocked.Exchange(ref _tokensIssued, 0);
            Interlocked.Exchange(ref _maxInFlight, Volatile.Read(ref _inFlight));
        }
    }

    internal void Record(FakeRequest request)
    {
        lock (_lock)
        {
            var key = request.OperationName ?? AnonymousOperation;
            _counts[key] = _counts.GetValueOrDefault(key) + 1;
            _total++;
            _recent.Enqueue(request);
            while (_recent.Count > Capacity)
            {
                _recent.Dequeue();
            }
        }
    }

    internal void RecordTokenIssued() => Interlocked.Increment(ref _tokensIssued);

    internal void RecordStarted()
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        var max = Volatile.Read(ref _maxInFlight);
        while (inFlight > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxInFlight, inFlight, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    internal void RecordFinished() => Interlocked.Decrement(ref _inFlight);
}
