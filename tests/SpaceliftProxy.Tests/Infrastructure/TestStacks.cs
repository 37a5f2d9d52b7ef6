using SpaceliftProxy.FakeSpacelift;

namespace SpaceliftProxy.Tests.Infrastructure;

/// <summary>Stacks and runs with known ids and times, added to a Spacelift stand-in.</summary>
public static class TestStacks
{
    /// <summary>Creation time of the newest run <see cref="AddWithRuns"/> adds; older runs are one hour apart.</summary>
    public static readonly DateTimeOffset NewestRunAt = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Returns the id of the tracked run at <paramref name="index"/>, 0 being the newest; ULID-shaped like Spacelift's.</summary>
    public static string TrackedRunId(int index) => $"01JHTRACKED{index:D15}";

    /// <summary>Returns the id of the proposed run added after the tracked run at <paramref name="index"/>.</summary>
    public static string ProposedRunId(int index) => $"01JHPROPOSED{index:D14}";

    /// <summary>
    /// Adds a stack with <paramref name="trackedRuns"/> finished tracked runs, newest first as
    /// <see cref="TrackedRunId"/>(0), (1), ..., and a proposed run next to each of the newest
    /// <paramref name="proposedRuns"/>. Returns the tracked run ids, newest first.
    /// </summary>
    public static IReadOnlyList<string> AddWithRuns(FakeSpaceliftServer spacelift, string stackId, int trackedRuns, int proposedRuns = 0)
    {
        spacelift.Data.UpsertStack(new FakeStack
        {
            Id = stackId,
            Name = stackId,
            State = "FINISHED",
            Branch = "main",
            Space = "root",
            Repository = "infra",
            CreatedAt = NewestRunAt.AddDays(-30).ToUnixTimeSeconds(),
        });

        // AddRun makes each run the newest, so the oldest goes in first.
        for (var index = trackedRuns - 1; index >= 0; index--)
        {
            var createdAt = NewestRunAt.AddHours(-index);
            spacelift.Data.AddRun(stackId, Run(TrackedRunId(index), "TRACKED", createdAt));
            if (index < proposedRuns)
            {
                spacelift.Data.AddRun(stackId, Run(ProposedRunId(index), "PROPOSED", createdAt.AddMinutes(1)));
            }
        }

        return [.. Enumerable.Range(0, trackedRuns).Select(TrackedRunId)];
    }

    private static FakeRun Run(string id, string type, DateTimeOffset createdAt) => new()
    {
        Id = id,
        State = "FINISHED",
        Type = type,
        CreatedAt = createdAt.ToUnixTimeSeconds(),
        UpdatedAt = createdAt.AddMinutes(5).ToUnixTimeSeconds(),
        TriggeredBy = "marta.nowak",
        Branch = "main",
        Title = "Run " + id,
        Commit = new FakeCommit { Hash = "4b825dc642cb6eb9a060e54bf8d69288fbee4904", AuthorLogin = "mnowak", AuthorName = "Marta Nowak", Message = "Run " + id, Url = "https://github.com/acme/infra/commit/4b825dc" },
        Delta = new FakeDelta { AddCount = 1, ChangeCount = 2, DeleteCount = 3, Resources = 40 },
        Finished = true,
    };
}
