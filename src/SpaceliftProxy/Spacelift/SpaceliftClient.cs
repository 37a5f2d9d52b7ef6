using SpaceliftProxy.Diagnostics;

namespace SpaceliftProxy.Spacelift;

/// <summary>
/// Typed access to Spacelift: one method per operation under <c>Operations/</c>. Callers see
/// records and <see cref="SpaceliftException"/>s, never GraphQL.
/// </summary>
internal sealed partial class SpaceliftClient(
    IHttpClientFactory httpClientFactory,
    SpaceliftTokenSource tokens,
    ProxyTelemetry telemetry,
    ILogger<SpaceliftClient> logger,
    ILogger<SpaceliftTransport> transportLogger)
{
    /// <summary>Name of the HttpClient that carries the token.</summary>
    public const string HttpClientName = "Spacelift";

    /// <summary>Page size of <c>searchStacks</c>, the size Spacelift's own clients use.</summary>
    public const int SearchPageSize = 50;

    // 2,000 pages of 50 is 100,000 stacks: far beyond real accounts, but it stops a cursor that never ends.
    private const int MaxSearchPages = 2_000;

    // Set once Spacelift refuses `stacks` to this key; from then on the list comes from `searchStacks`.
    private volatile bool _useSearchStacks;

    /// <summary>Lists every stack the API key can see.</summary>
    public async Task<IReadOnlyList<SpaceliftStack>> ListStacksAsync(CancellationToken cancellationToken)
    {
        var (stacks, tokenGeneration) = await ListStacksOnceAsync(cancellationToken);
        if (stacks.Count == 0 && !tokens.WasJustIssued(tokenGeneration))
        {
            // An expired token gets an empty searchStacks page with HTTP 200, so an empty list is
            // believed only when it came with a token Spacelift has just issued.
            Log.CheckingEmptyStackList(logger);
            tokens.Invalidate(tokenGeneration);
            (stacks, _) = await ListStacksOnceAsync(cancellationToken);
        }

        return stacks;
    }

    /// <summary>Reads one stack; throws <see cref="SpaceliftNotFoundException"/> when Spacelift has none.</summary>
    public async Task<SpaceliftStack> GetStackAsync(string stackId, CancellationToken cancellationToken)
    {
        var response = await ExecuteAsync<StackVariables, StackData>(SpaceliftOperations.GetStack, new StackVariables(stackId), cancellationToken);

        return response.Data.Stack ?? throw MissingStack(stackId, response);
    }

    /// <summary>
    /// Reads one page of a stack's tracked runs, newest first, older than the run <paramref name="before"/>.
    /// An empty page means there are no older runs.
    /// </summary>
    public async Task<IReadOnlyList<SpaceliftRun>> ListRunsAsync(string stackId, string? before, CancellationToken cancellationToken)
    {
        var response = await ExecuteAsync<RunsVariables, StackData>(SpaceliftOperations.ListRuns, new RunsVariables(stackId, before), cancellationToken);
        var stack = response.Data.Stack ?? throw MissingStack(stackId, response);

        return WithoutMissing(stack.Runs ?? [], run => run.Id, "runs of " + stackId);
    }

    /// <summary>Reads one run of a stack; throws <see cref="SpaceliftNotFoundException"/> for an unknown stack or run.</summary>
    public async Task<SpaceliftRun> GetRunAsync(string stackId, string runId, CancellationToken cancellationToken)
    {
        var response = await ExecuteAsync<RunVariables, StackData>(SpaceliftOperations.GetRun, new RunVariables(stackId, runId), cancellationToken);
        var stack = response.Data.Stack ?? throw MissingStack(stackId, response);

        return stack.Run ?? throw new SpaceliftNotFoundException($"Stack '{stackId}' has no run '{runId}'.");
    }

    /// <summary>Triggers a run; without overrides, a tracked run on the stack's tracked commit.</summary>
    public async Task<SpaceliftRun> TriggerRunAsync(string stackId, string? commitSha, string? runType, CancellationToken cancellationToken)
    {
        var response = await ExecuteOnStackAsync<TriggerRunVariables, TriggerRunData>(
            SpaceliftOperations.TriggerRun, new TriggerRunVariables(stackId, commitSha, runType), stackId, runId: null, cancellationToken);

        return response.Data.RunTrigger ?? throw RequireResult(response, SpaceliftOperations.TriggerRun);
    }

    /// <summary>Confirms a run that waits for confirmation.</summary>
    public async Task<SpaceliftRun> ConfirmRunAsync(string stackId, string runId, CancellationToken cancellationToken)
    {
        var response = await ExecuteOnStackAsync<RunVariables, ConfirmRunData>(
            SpaceliftOperations.ConfirmRun, new RunVariables(stackId, runId), stackId, runId, cancellationToken);

        return response.Data.RunConfirm ?? throw RequireResult(response, SpaceliftOperations.ConfirmRun);
    }

    /// <summary>Discards a run that waits for confirmation.</summary>
    public async Task<SpaceliftRun> DiscardRunAsync(string stackId, string runId, CancellationToken cancellationToken)
    {
        var response = await ExecuteOnStackAsync<RunVariables, DiscardRunData>(
            SpaceliftOperations.DiscardRun, new RunVariables(stackId, runId), stackId, runId, cancellationToken);

        return response.Data.RunDiscard ?? throw RequireResult(response, SpaceliftOperations.DiscardRun);
    }

    private async Task<(IReadOnlyList<SpaceliftStack> Stacks, long TokenGeneration)> ListStacksOnceAsync(CancellationToken cancellationToken)
    {
        if (!_useSearchStacks)
        {
            try
            {
                var response = await ExecuteAsync<NoVariables, ListStacksData>(SpaceliftOperations.ListStacks, NoVariables.Instance, cancellationToken);
                if (response.Data.Stacks is null)
                {
                    throw RequireResult(response, SpaceliftOperations.ListStacks);
                }

                return (WithoutMissing(response.Data.Stacks, stack => stack.Id, "stacks"), response.TokenGeneration);
            }
            catch (SpaceliftMachineSessionException ex)
            {
                Log.SwitchingToSearchStacks(logger, ex.Message);
                _useSearchStacks = true;
            }
        }

        return await SearchAllStacksAsync(cancellationToken);
    }

    private async Task<(IReadOnlyList<SpaceliftStack> Stacks, long TokenGeneration)> SearchAllStacksAsync(CancellationToken cancellationToken)
    {
        var stacks = new List<SpaceliftStack>();
        var seenCursors = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        long firstTokenGeneration = 0;

        for (var page = 0; page < MaxSearchPages; page++)
        {
            var response = await ExecuteAsync<SearchStacksVariables, SearchStacksData>(
                SpaceliftOperations.SearchStacks, new SearchStacksVariables(new SearchInput(SearchPageSize, cursor)), cancellationToken);
            if (page == 0)
            {
                firstTokenGeneration = response.TokenGeneration;
            }

            var connection = response.Data.SearchStacks ?? throw RequireResult(response, SpaceliftOperations.SearchStacks);
            var nodes = (connection.Edges ?? []).Select(edge => edge?.Node).ToList();
            stacks.AddRange(WithoutMissing(nodes, stack => stack.Id, "searchStacks"));

            if (connection.PageInfo?.HasNextPage != true)
            {
                return (stacks, firstTokenGeneration);
            }

            cursor = connection.PageInfo.EndCursor;
            if (string.IsNullOrEmpty(cursor) || !seenCursors.Add(cursor))
            {
                throw new SpaceliftInvalidResponseException("Spacelift's searchStacks reported more pages but returned no new cursor.");
            }
        }

        throw new SpaceliftInvalidResponseException($"Spacelift's searchStacks returned more than {MaxSearchPages} pages.");
    }

    /// <summary>
    /// Sends an operation. When Spacelift returns <c>unauthorized</c>, drops that token and sends the
    /// operation once more with a new one. A second rejection means the key lacks access, not that it expired.
    /// </summary>
    private async Task<SpaceliftResponse<TData>> ExecuteAsync<TVariables, TData>(GraphQLOperation operation, TVariables variables, CancellationToken cancellationToken)
        where TData : class
    {
        // Obtain the token first, so that a slow key exchange does not use up the operation's own
        // attempt timeout. The token handler then finds the token ready.
        await tokens.GetTokenAsync(cancellationToken);

        try
        {
            return await Transport().SendAsync<TVariables, TData>(operation, variables, tokenGeneration: 0, cancellationToken);
        }
        catch (SpaceliftUnauthorizedException ex)
        {
            Log.RetryingWithNewToken(logger, operation.Name, ex.TokenGeneration);
            tokens.Invalidate(ex.TokenGeneration);
        }

        try
        {
            return await Transport().SendAsync<TVariables, TData>(operation, variables, tokenGeneration: 0, cancellationToken);
        }
        catch (SpaceliftUnauthorizedException)
        {
            throw new SpaceliftAccessDeniedException(
                $"Spacelift refused {operation.Name} to the configured API key even with a new token: the key lacks access to it.");
        }
    }

    /// <summary>
    /// Sends a mutation on one stack. Spacelift may return <c>unauthorized</c> for a stack that does
    /// not exist, so a rejection is followed by a look-up that tells "no such stack" from "no access".
    /// </summary>
    private async Task<SpaceliftResponse<TData>> ExecuteOnStackAsync<TVariables, TData>(
        GraphQLOperation operation, TVariables variables, string stackId, string? runId, CancellationToken cancellationToken)
        where TData : class
    {
        try
        {
            return await ExecuteAsync<TVariables, TData>(operation, variables, cancellationToken);
        }
        catch (SpaceliftNotFoundException)
        {
            throw new SpaceliftNotFoundException(runId is null
                ? $"Spacelift has no stack '{stackId}' visible to the configured API key."
                : $"Spacelift has no run '{runId}' on stack '{stackId}' visible to the configured API key.");
        }
        catch (SpaceliftAccessDeniedException)
        {
            await GetStackAsync(stackId, cancellationToken);

            throw new SpaceliftAccessDeniedException(
                $"Spacelift refused {operation.Name} on stack '{stackId}' to the configured API key: give the key the stack writer role on the stack's space, or admin.");
        }
    }

    private SpaceliftTransport Transport() => new(httpClientFactory.CreateClient(HttpClientName), telemetry, transportLogger);

    private static SpaceliftException MissingStack<TData>(string stackId, SpaceliftResponse<TData> response) =>
        response.Errors.Count == 0
            ? new SpaceliftNotFoundException($"Spacelift has no stack '{stackId}' visible to the configured API key.")
            : SpaceliftTransport.FailureFor(response.Errors, SpaceliftOperations.GetStack);

    private static SpaceliftException RequireResult<TData>(SpaceliftResponse<TData> response, GraphQLOperation operation) =>
        response.Errors.Count == 0
            ? new SpaceliftInvalidResponseException($"Spacelift returned no result for {operation.Name}.")
            : SpaceliftTransport.FailureFor(response.Errors, operation);

    /// <summary>
    /// Drops the items that a GraphQL error nulled or that lack an id, logging how many, so one
    /// broken item does not cost the whole list.
    /// </summary>
    private List<T> WithoutMissing<T>(IEnumerable<T?> items, Func<T, string?> id, string listName)
        where T : class
    {
        var kept = new List<T>();
        var dropped = 0;
        foreach (var item in items)
        {
            if (item is not null && !string.IsNullOrEmpty(id(item)))
            {
                kept.Add(item);
            }
            else
            {
                dropped++;
            }
        }

        if (dropped > 0)
        {
            Log.DroppedIncompleteItems(logger, dropped, listName);
        }

        return kept;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Spacelift refused {Operation} with token {TokenGeneration}; retrying once with a new token")]
        public static partial void RetryingWithNewToken(ILogger logger, string operation, long tokenGeneration);

        [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Listing stacks with searchStacks from now on, because Spacelift refused the stacks query: {Reason}")]
        public static partial void SwitchingToSearchStacks(ILogger logger, string reason);

        [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Spacelift returned no stacks with a token it did not just issue; checking again with a new token")]
        public static partial void CheckingEmptyStackList(ILogger logger);

        [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Dropped {Count} incomplete items from Spacelift's {List}")]
        public static partial void DroppedIncompleteItems(ILogger logger, int count, string list);
    }
}
