using System.Security.Cryptography;
using System.Text;
using GraphQL;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>What the GraphQL resolvers need to know about the request being executed.</summary>
internal sealed record FakeRequestState(IssuedToken? Token, bool MachineSessionGate, bool StuckRunsCursor = false)
{
    public const string Key = "SpaceliftProxy.FakeSpacelift.RequestState";

    public static FakeRequestState From(IResolveFieldContext context) =>
        context.UserContext.TryGetValue(Key, out var state) && state is FakeRequestState requestState
            ? requestState
            : throw new InvalidOperationException("The execution options carry no request state.");
}

internal sealed record ViewerResult(string Id, string? Name);

internal sealed record UserResult(string Id, string Jwt, long ValidUntil);

/// <summary>
/// Field resolvers that imitate Spacelift's behaviour. Errors are thrown as <see cref="ExecutionError"/>
/// with Spacelift's plain messages, so GraphQL.NET reports them with the field's path.
/// </summary>
internal sealed class SpaceliftResolvers(
    FakeSpaceliftData data,
    FakeTokenStore tokens,
    FakeRequestLog requestLog,
    FakeSpaceliftOptions options,
    Func<string> audience)
{
    public const string Unauthorized = "unauthorized";
    public const string NotFound = "not found";

    public object? Stacks(IResolveFieldContext context)
    {
        RequireToken(context);
        return data.Stacks;
    }

    public object? SearchStacks(IResolveFieldContext context)
    {
        // Spacelift returns an empty page for an anonymous search instead of an error.
        if (FakeRequestState.From(context).Token is null)
        {
            return StackSearch.EmptyPage;
        }

        var input = context.GetArgument<IDictionary<string, object?>>("input");
        return StackSearch.Execute(data.Stacks, input);
    }

    public object? Stack(IResolveFieldContext context)
    {
        RequireToken(context);
        return data.GetStack(context.GetArgument<string>("id"));
    }

    public static object? Viewer(IResolveFieldContext context)
    {
        var token = FakeRequestState.From(context).Token;
        return token is null ? null : new ViewerResult($"api::{token.KeyId}", token.KeyId);
    }

    public object? ApiKeyUser(IResolveFieldContext context)
    {
        var id = context.GetArgument<string>("id");
        var secret = context.GetArgument<string>("secret");

        // Spacelift returns null without an error for an unknown key id, but null plus an error for a wrong secret.
        if (id != options.ApiKeyId)
        {
            return null;
        }

        var secretMatches = CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes(options.ApiKeySecret));
        if (!secretMatches)
        {
            throw new ExecutionError(Unauthorized);
        }

        var token = tokens.Issue(id, audience(), options.TokenLifetime);
        requestLog.RecordTokenIssued();
        return new UserResult(id, token.Jwt, token.ExpiresAt.ToUnixTimeSeconds());
    }

    public object? RunTrigger(IResolveFieldContext context)
    {
        var token = RequireToken(context);
        var runType = context.GetArgument<string?>("runType") == RunTypes.Proposed ? RunTypes.Proposed : RunTypes.Tracked;
        var run = data.TriggerRun(
            context.GetArgument<string>("stack"),
            context.GetArgument<string?>("commitSha"),
            runType,
            $"api::{token.KeyId}",
            options.TimeProvider.GetUtcNow());
        return run ?? throw new ExecutionError(NotFound);
    }

    public object? ResolveConfirmation(IResolveFieldContext context, bool confirm)
    {
        RequireToken(context);
        var (run, error) = data.ResolveConfirmation(
            context.GetArgument<string>("stack"),
            context.GetArgument<string?>("run"),
            confirm,
            options.TimeProvider.GetUtcNow());
        return run ?? throw new ExecutionError(error ?? NotFound);
    }

    public object? StackRuns(IResolveFieldContext context)
    {
        var before = FakeRequestState.From(context).StuckRunsCursor ? null : context.GetArgument<string?>("before");
        return data.GetTrackedRunsPage(SourceStack(context).Id, before, options.RunsPageSize);
    }

    public object? StackRun(IResolveFieldContext context) =>
        data.GetRun(SourceStack(context).Id, context.GetArgument<string>("id"));

    public object? StackBlocker(IResolveFieldContext context)
    {
        var stack = SourceStack(context);
        return stack.BlockerRunId is null ? null : data.GetRun(stack.Id, stack.BlockerRunId);
    }

    public object? StackSpaceDetails(IResolveFieldContext context)
    {
        // spaceDetails is non-null, so a stack that a test put in an unknown space still gets one.
        var stack = SourceStack(context);
        return data.GetSpace(stack.Space) ?? new FakeSpace { Id = stack.Space, Name = stack.Space };
    }

    private static IssuedToken RequireToken(IResolveFieldContext context) =>
        FakeRequestState.From(context).Token ?? throw new ExecutionError(Unauthorized);

    private static FakeStack SourceStack(IResolveFieldContext context) =>
        context.Source as FakeStack ?? throw new InvalidOperationException($"Stack fields expect a {nameof(FakeStack)} source.");
}
