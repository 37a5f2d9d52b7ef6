using SpaceliftProxy.Auth;
using SpaceliftProxy.Configuration;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Runs;

/// <summary>
/// A run as the run routes return it. <c>state</c> and <c>type</c> are Spacelift's names, passed
/// through even when this service does not know them. Times are UTC.
/// </summary>
/// <param name="TriggeredBy">Who triggered the run: a login, <c>api::KEY_ID</c>, or null for a Git push.</param>
/// <param name="Delta">Planned resource changes, or null until the run has planned.</param>
/// <param name="Url">The run's page in the Spacelift web UI.</param>
internal sealed record RunSummary(
    string Id,
    string? State,
    string? Type,
    DateTime? CreatedAt,
    DateTime? UpdatedAt,
    string? TriggeredBy,
    string? Branch,
    string? Title,
    CommitSummary? Commit,
    DeltaSummary? Delta,
    bool? Finished,
    Uri Url) : IRunResult
{
    public static RunSummary From(SpaceliftRun run, string stackId, SpaceliftHost host)
    {
        var runId = run.Id ?? throw new SpaceliftInvalidResponseException($"Spacelift returned a run of stack '{stackId}' without an id.");

        return new RunSummary(
            runId,
            run.State,
            run.Type,
            UnixTime.ToUtc(run.CreatedAt),
            UnixTime.ToUtc(run.UpdatedAt),
            string.IsNullOrEmpty(run.TriggeredBy) ? null : run.TriggeredBy,
            run.Branch,
            run.Title,
            CommitSummary.From(run.Commit),
            DeltaSummary.From(run.Delta),
            run.Finished,
            host.RunPage(stackId, runId));
    }
}

/// <summary>A Git commit of a run or a stack.</summary>
/// <param name="Author">The author's name, else their login.</param>
/// <param name="Url">The commit's page at the VCS provider.</param>
internal sealed record CommitSummary(string? Hash, string? Message, string? Author, string? Url)
{
    public static CommitSummary? From(SpaceliftCommit? commit) =>
        commit is null
            ? null
            : new CommitSummary(
                commit.Hash,
                commit.Message,
                string.IsNullOrEmpty(commit.AuthorName) ? commit.AuthorLogin : commit.AuthorName,
                commit.Url);
}

/// <summary>Resources a run adds, changes and deletes, and the number it manages.</summary>
internal sealed record DeltaSummary(int? AddCount, int? ChangeCount, int? DeleteCount, int? Resources)
{
    public static DeltaSummary? From(SpaceliftDelta? delta) =>
        delta is null ? null : new DeltaSummary(delta.AddCount, delta.ChangeCount, delta.DeleteCount, delta.Resources);
}

/// <summary>One page of a stack's tracked runs, newest first.</summary>
/// <param name="NextBefore">
/// The id of the last run when older runs may follow: pass it as <c>before</c> for the next page.
/// Null when Spacelift has no older runs.
/// </param>
internal sealed record RunPage(IReadOnlyList<RunSummary> Runs, string? NextBefore);
