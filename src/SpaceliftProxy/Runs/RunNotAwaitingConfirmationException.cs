namespace SpaceliftProxy.Runs;

/// <summary>What a caller decides about a run that waits for confirmation.</summary>
internal enum ConfirmationDecision
{
    Confirm,
    Discard,
}

/// <summary>
/// A confirm or discard was asked of a run that is not <c>UNCONFIRMED</c>, so Spacelift would
/// reject it (or has). The error mapping turns it into 409 Conflict.
/// </summary>
internal sealed class RunNotAwaitingConfirmationException(
    string stackId, string runId, string? state, ConfirmationDecision decision, Exception? innerException = null)
    : Exception(
        $"Run '{runId}' of stack '{stackId}' is in state {state ?? "unknown"}; only a run in state {RunStates.Unconfirmed} can be {(decision == ConfirmationDecision.Confirm ? "confirmed" : "discarded")}.",
        innerException)
{
    public string StackId { get; } = stackId;

    public string RunId { get; } = runId;

    /// <summary>The run's state as Spacelift last returned it.</summary>
    public string? State { get; } = state;
}

/// <summary>Names of the Spacelift <c>RunState</c> values the service acts on.</summary>
internal static class RunStates
{
    /// <summary>A run that planned changes and waits for someone to confirm or discard them.</summary>
    public const string Unconfirmed = "UNCONFIRMED";
}
