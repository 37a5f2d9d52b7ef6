using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpaceliftProxy.Spacelift;

// Records for the variables and results of the operations under Operations/. Every result
// property is nullable: Spacelift's schema does not settle nullability for many fields, and a
// GraphQL error nulls the field it happened on, so the client decides what a missing value means.

internal sealed record GraphQLRequest<TVariables>(string Query, TVariables Variables, string OperationName);

internal sealed record GraphQLResponse<TData>(TData? Data, IReadOnlyList<GraphQLError>? Errors);

internal sealed record GraphQLError(string? Message, IReadOnlyList<JsonElement>? Path)
{
    /// <summary>The error's path as Spacelift sends it, such as <c>stacks.3.state</c>.</summary>
    public string PathText => Path is null ? "" : string.Join('.', Path.Select(segment => segment.ToString()));
}

internal sealed record NoVariables
{
    public static readonly NoVariables Instance = new();
}

internal sealed record ExchangeApiKeyVariables(string Id, string Secret);

internal sealed record ExchangeApiKeyData(ApiKeyUser? ApiKeyUser);

/// <param name="ValidUntil">Expiry of <paramref name="Jwt"/> in Unix seconds.</param>
internal sealed record ApiKeyUser(string? Jwt, long? ValidUntil);

internal sealed record ViewerData(Viewer? Viewer);

internal sealed record Viewer(string? Id);

internal sealed record ListStacksData(IReadOnlyList<SpaceliftStack?>? Stacks);

internal sealed record SearchStacksVariables(SearchInput Input);

internal sealed record SearchInput(int First, string? After);

internal sealed record SearchStacksData(StacksConnection? SearchStacks);

internal sealed record StacksConnection(IReadOnlyList<StackEdge?>? Edges, PageInfo? PageInfo);

internal sealed record StackEdge(SpaceliftStack? Node);

internal sealed record PageInfo(string? EndCursor, bool? HasNextPage);

internal sealed record StackVariables(string Id);

internal sealed record StackData(SpaceliftStack? Stack);

internal sealed record SpaceliftStack
{
    public string? Id { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<string?>? Labels { get; init; }

    /// <summary>A <c>StackState</c> name, kept as text because Spacelift adds states over time.</summary>
    public string? State { get; init; }

    public string? Branch { get; init; }

    /// <summary>The id of the stack's space.</summary>
    public string? Space { get; init; }

    public SpaceliftSpace? SpaceDetails { get; init; }

    public string? Repository { get; init; }

    public string? Namespace { get; init; }

    public string? Provider { get; init; }

    public string? ProjectRoot { get; init; }

    public SpaceliftCommit? TrackedCommit { get; init; }

    public string? LockedBy { get; init; }

    public bool? IsDisabled { get; init; }

    public bool? IsDrifted { get; init; }

    public SpaceliftWorkerPool? WorkerPool { get; init; }

    public SpaceliftRun? Blocker { get; init; }

    /// <summary>Unix seconds.</summary>
    public long? CreatedAt { get; init; }

    public SpaceliftVendorConfig? VendorConfig { get; init; }

    public IReadOnlyList<SpaceliftRun?>? Runs { get; init; }

    public SpaceliftRun? Run { get; init; }
}

internal sealed record SpaceliftSpace(string? Id, string? Name);

internal sealed record SpaceliftWorkerPool(string? Id, string? Name);

internal sealed record SpaceliftVendorConfig([property: JsonPropertyName("__typename")] string? TypeName);

internal sealed record SpaceliftCommit(
    string? Hash,
    string? AuthorLogin,
    string? AuthorName,
    string? Message,
    long? Timestamp,
    string? Url);

internal sealed record SpaceliftDelta(int? AddCount, int? ChangeCount, int? DeleteCount, int? Resources);

internal sealed record SpaceliftRun
{
    public string? Id { get; init; }

    /// <summary>A <c>RunState</c> name, kept as text for the same reason as stack states.</summary>
    public string? State { get; init; }

    public string? Type { get; init; }

    /// <summary>Unix seconds, as far as Spacelift's clients show; see <c>UnixTime</c> for the guard.</summary>
    public long? CreatedAt { get; init; }

    public long? UpdatedAt { get; init; }

    public string? TriggeredBy { get; init; }

    public string? Branch { get; init; }

    public string? Title { get; init; }

    public bool? Finished { get; init; }

    public SpaceliftCommit? Commit { get; init; }

    public SpaceliftDelta? Delta { get; init; }
}

internal sealed record RunsVariables(string Stack, string? Before);

internal sealed record RunVariables(string Stack, string Run);

internal sealed record TriggerRunVariables(string Stack, string? CommitSha, string? RunType);

internal sealed record TriggerRunData(SpaceliftRun? RunTrigger);

internal sealed record ConfirmRunData(SpaceliftRun? RunConfirm);

internal sealed record DiscardRunData(SpaceliftRun? RunDiscard);
