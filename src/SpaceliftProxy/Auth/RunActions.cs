namespace SpaceliftProxy.Auth;

/// <summary>
/// What every route that changes Spacelift applies: the allow list, the audit log and, for
/// triggers, the per-caller rate limit.
/// </summary>
internal static class RunActions
{
    /// <summary>
    /// Limits the route to callers on <c>Backstage:Auth:ActionAllowList</c> (403 otherwise), audits
    /// every call, and for <see cref="RunAction.Trigger"/> applies <c>Backstage:Auth:TriggersPerMinute</c> (429).
    /// </summary>
    public static RouteHandlerBuilder RequireRunAction(this RouteHandlerBuilder builder, RunAction action)
    {
        builder.RequireAuthorization(BackstageAuth.RunActionPolicy)
            .WithMetadata(new RunActionMetadata(action))
            .AddEndpointFilter<RunActionAuditFilter>()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        if (action == RunAction.Trigger)
        {
            builder.AddEndpointFilter<TriggerBudgetFilter>()
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
        }

        return builder;
    }
}
