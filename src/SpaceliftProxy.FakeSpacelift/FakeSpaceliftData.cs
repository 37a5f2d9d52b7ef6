namespace SpaceliftProxy.FakeSpacelift;

/// <summary>
/// The spaces, stacks and runs that the stand-in serves. All members are thread-safe. Readers get
/// copies and mutators store copies, so a test's objects and the served data never share state.
/// Stacks are listed in ordinal order of their ids; each stack's runs are kept newest first.
/// </summary>
public sealed class FakeSpaceliftData
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, StackEntry> _stacks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeSpace> _spaces = new(StringComparer.Ordinal);

    internal FakeSpaceliftData()
    {
    }

    /// <summary>Creates the data set generated from <paramref name="seed"/>, with timestamps counted back from <paramref name="now"/>.</summary>
    public static FakeSpaceliftData Generate(int seed, int stackCount, DateTimeOffset now, string apiKeyId = FakeSpaceliftOptions.DefaultApiKeyId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stackCount);
        var data = new FakeSpaceliftData();
        new FakeDataGenerator(seed, now, apiKeyId).Populate(data, stackCount);
        return data;
    }

    public IReadOnlyList<FakeSpace> Spaces
    {
        get
        {
            lock (_lock)
            {
                return [.. _spaces.Values.OrderBy(space => space.Id, StringComparer.Ordinal).Select(space => space.Clone())];
            }
        }
    }

    public IReadOnlyList<FakeStack> Stacks
    {
        get
        {
            lock (_lock)
            {
                return [.. _stacks.Values.Select(entry => entry.Stack.Clone())];
            }
        }
    }

    public int StackCount
    {
        get
        {
            lock (_lock)
            {
                return _stacks.Count;
            }
        }
    }

    public FakeStack? GetStack(string id)
    {
        lock (_lock)
        {
            return _stacks.TryGetValue(id, out var entry) ? entry.Stack.Clone() : null;
        }
    }

    /// <summary>Returns all runs of a stack of every type, newest first; empty for an unknown stack.</summary>
    public IReadOnlyList<FakeRun> GetRuns(string stackId)
    {
        lock (_lock)
        {
            return _stacks.TryGetValue(stackId, out var entry) ? [.. entry.Runs.Select(run => run.Clone())] : [];
        }
    }

    public FakeRun? GetRun(string stackId, string runId)
    {
        lock (_lock)
        {
            return FindRun(stackId, runId)?.Clone();
        }
    }

    public FakeSpace? GetSpace(string id)
    {
        lock (_lock)
        {
            return _spaces.TryGetValue(id, out var space) ? space.Clone() : null;
        }
    }

    public void UpsertSpace(FakeSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentException.ThrowIfNullOrEmpty(space.Id, nameof(space));
        lock (_lock)
        {
            _spaces[space.Id] = space.Clone();
        }
    }

    /// <summary>Adds a stack without runs; throws <see cref="InvalidOperationException"/> when the id is taken.</summary>
    public void AddStack(FakeStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentException.ThrowIfNullOrEmpty(stack.Id, nameof(stack));
        lock (_lock)
        {
            if (!_stacks.TryAdd(stack.Id, new StackEntry(stack.Clone())))
            {
                throw new InvalidOperationException($"Stack '{stack.Id}' already exists; call UpsertStack to replace it.");
            }
        }
    }

    /// <summary>Adds a stack or replaces the stack with the same id, keeping that stack's runs.</summary>
    public void UpsertStack(FakeStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentException.ThrowIfNullOrEmpty(stack.Id, nameof(stack));
        lock (_lock)
        {
            if (_stacks.TryGetValue(stack.Id, out var entry))
            {
                entry.Stack = stack.Clone();
            }
            else
            {
                _stacks.Add(stack.Id, new StackEntry(stack.Clone()));
            }
        }
    }

    /// <summary>Applies <paramref name="update"/> to the stored stack under the data lock; returns false for an unknown id.</summary>
    public bool UpdateStack(string id, Action<FakeStack> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_lock)
        {
            if (!_stacks.TryGetValue(id, out var entry))
            {
                return false;
            }

            update(entry.Stack);

            // A changed id would leave the entry filed under its old key.
            entry.Stack.Id = id;
            return true;
        }
    }

    public bool RemoveStack(string id)
    {
        lock (_lock)
        {
            return _stacks.Remove(id);
        }
    }

    public void ClearStacks()
    {
        lock (_lock)
        {
            _stacks.Clear();
        }
    }

    /// <summary>
    /// Sets a stack's state to any name, including one outside the schema's <c>StackState</c> enum.
    /// Throws <see cref="KeyNotFoundException"/> for an unknown stack.
    /// </summary>
    public void SetStackState(string id, string state)
    {
        ArgumentException.ThrowIfNullOrEmpty(state);
        if (!UpdateStack(id, stack => stack.State = state))
        {
            throw new KeyNotFoundException($"Stack '{id}' not found.");
        }
    }

    /// <summary>
    /// Adds a run as the stack's newest. A run without an id gets a new ULID. Returns the stored copy's id.
    /// Throws <see cref="KeyNotFoundException"/> for an unknown stack.
    /// </summary>
    public string AddRun(string stackId, FakeRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var copy = run.Clone();
        if (string.IsNullOrEmpty(copy.Id))
        {
            copy.Id = FakeIds.NewUlid(DateTimeOffset.FromUnixTimeSeconds(Math.Max(0, copy.CreatedAt)));
        }

        lock (_lock)
        {
            if (!_stacks.TryGetValue(stackId, out var entry))
            {
                throw new KeyNotFoundException($"Stack '{stackId}' not found.");
            }

            if (entry.Runs.Any(existing => existing.Id == copy.Id))
            {
                throw new InvalidOperationException($"Run '{copy.Id}' already exists on stack '{stackId}'.");
            }

            entry.Runs.Insert(0, copy);
        }

        return copy.Id;
    }

    /// <summary>Applies <paramref name="update"/> to the stored run under the data lock; returns false when the stack or run is unknown.</summary>
    public bool UpdateRun(string stackId, string runId, Action<FakeRun> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_lock)
        {
            var run = FindRun(stackId, runId);
            if (run is null)
            {
                return false;
            }

            update(run);
            run.Id = runId;
            return true;
        }
    }

    /// <summary>Removes every run of a stack; returns false for an unknown stack.</summary>
    public bool ClearRuns(string stackId)
    {
        lock (_lock)
        {
            if (!_stacks.TryGetValue(stackId, out var entry))
            {
                return false;
            }

            entry.Runs.Clear();
            return true;
        }
    }

    /// <summary>
    /// Returns one page of a stack's tracked runs, newest first: the first page without
    /// <paramref name="before"/>, otherwise the runs after the run with that id (empty when no tracked run has it).
    /// </summary>
    internal IReadOnlyList<FakeRun> GetTrackedRunsPage(string stackId, string? before, int pageSize)
    {
        lock (_lock)
        {
            if (!_stacks.TryGetValue(stackId, out var entry))
            {
                return [];
            }

            var tracked = entry.Runs.Where(run => run.Type == RunTypes.Tracked).ToList();
            var start = 0;
            if (before is not null)
            {
                var index = tracked.FindIndex(run => run.Id == before);
                if (index < 0)
                {
                    return [];
                }

                start = index + 1;
            }

            return [.. tracked.Skip(start).Take(pageSize).Select(run => run.Clone())];
        }
    }

    /// <summary>Creates a queued run on the stack; returns null for an unknown stack.</summary>
    internal FakeRun? TriggerRun(string stackId, string? commitSha, string runType, string triggeredBy, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_stacks.TryGetValue(stackId, out var entry))
            {
                return null;
            }

            var stack = entry.Stack;
            var commit = string.IsNullOrEmpty(commitSha) || commitSha == stack.TrackedCommit?.Hash
                ? stack.TrackedCommit?.Clone()
                : new FakeCommit { Hash = commitSha };
            var unixNow = now.ToUnixTimeSeconds();
            var run = new FakeRun
            {
                Id = FakeIds.NewUlid(now),
                State = RunStates.Queued,
                Type = runType,
                CreatedAt = unixNow,
                UpdatedAt = unixNow,
                TriggeredBy = triggeredBy,
                Branch = stack.Branch,
                Title = commit?.Message?.Split('\n')[0],
                Commit = commit,
                Finished = false,
            };
            entry.Runs.Insert(0, run);

            if (runType == RunTypes.Tracked)
            {
                stack.State = StackStates.Preparing;
            }

            return run.Clone();
        }
    }

    /// <summary>
    /// Confirms or discards a run awaiting confirmation: the named run, or the stack's blocker when
    /// <paramref name="runId"/> is null. Returns the updated run or the error message Spacelift sends.
    /// </summary>
    internal (FakeRun? Run, string? Error) ResolveConfirmation(string stackId, string? runId, bool confirm, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_stacks.TryGetValue(stackId, out var entry))
            {
                return (null, "not found");
            }

            var stack = entry.Stack;
            var targetId = runId ?? stack.BlockerRunId;
            var run = targetId is null ? null : entry.Runs.Find(candidate => candidate.Id == targetId);
            if (run is null)
            {
                return (null, "not found");
            }

            if (run.State != RunStates.Unconfirmed)
            {
                var verb = confirm ? "confirmed" : "discarded";
                return (null, $"run is in state {run.State}, only runs in state {RunStates.Unconfirmed} can be {verb}");
            }

            var newState = confirm ? RunStates.Confirmed : RunStates.Discarded;
            run.State = newState;
            run.UpdatedAt = now.ToUnixTimeSeconds();

            // A confirmed run goes on to apply; a discarded one is over.
            run.Finished = !confirm;
            stack.State = newState;
            stack.BlockerRunId = null;
            return (run.Clone(), null);
        }
    }

    private FakeRun? FindRun(string stackId, string runId) =>
        _stacks.TryGetValue(stackId, out var entry) ? entry.Runs.Find(run => run.Id == runId) : null;

    private sealed class StackEntry(FakeStack stack)
    {
        public FakeStack Stack { get; set; } = stack;

        public List<FakeRun> Runs { get; } = [];
    }
}

/// <summary>Names of the <c>RunType</c> enum values the stand-in itself creates.</summary>
internal static class RunTypes
{
    public const string Tracked = "TRACKED";
    public const string Proposed = "PROPOSED";
}

internal static class RunStates
{
    public const string Queued = "QUEUED";
    public const string Unconfirmed = "UNCONFIRMED";
    public const string Confirmed = "CONFIRMED";
    public const string Discarded = "DISCARDED";
}

internal static class StackStates
{
    public const string Preparing = "PREPARING";
}
