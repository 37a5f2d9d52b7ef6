using SpaceliftProxy.Configuration;
using SpaceliftProxy.Runs;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Stacks;

/// <summary>
/// One stack: the fields of <see cref="StackSummary"/> followed by what a stack's own page shows.
/// </summary>
/// <param name="Provider">Spacelift's <c>VCSProvider</c> name, such as <c>GITHUB</c>.</param>
/// <param name="TrackedCommit">The commit tracked runs deploy, or null before the first run.</param>
/// <param name="LockedBy">The login that locked the stack, or null when the stack is not locked.</param>
/// <param name="WorkerPool">The private worker pool, or null for Spacelift's public workers.</param>
/// <param name="Blocker">The run currently holding the stack, such as one that waits for confirmation.</param>
/// <param name="Vendor">The tool the stack runs, such as <c>terraform</c>, <c>opentofu</c> or <c>pulumi</c> (see <see cref="StackVendor"/>).</param>
/// <param name="Url">The stack's page in the Spacelift web UI.</param>
internal sealed record StackDetails(
    string Id,
    string Name,
    string? Description,
    IReadOnlyList<string> Labels,
    string? State,
    string? Branch,
    SpaceSummary SpaceDetails,
    string? Repository,
    string? Namespace,
    string? Provider,
    string? ProjectRoot,
    CommitSummary? TrackedCommit,
    string? LockedBy,
    bool IsDisabled,
    bool? IsDrifted,
    WorkerPoolSummary? WorkerPool,
    RunReference? Blocker,
    DateTime? CreatedAt,
    string? Vendor,
    Uri Url)
{
    public static StackDetails From(SpaceliftStack stack, SpaceliftHost host)
    {
        var summary = StackSummary.From(stack);

        return new StackDetails(
            summary.Id,
            summary.Name,
            summary.Description,
            summary.Labels,
            summary.State,
            summary.Branch,
            summary.SpaceDetails,
            stack.Repository,
            stack.Namespace,
            stack.Provider,
            string.IsNullOrEmpty(stack.ProjectRoot) ? null : stack.ProjectRoot,
            CommitSummary.From(stack.TrackedCommit),

            // Spacelift sends an empty string or null for an unlocked stack.
            string.IsNullOrEmpty(stack.LockedBy) ? null : stack.LockedBy,
            stack.IsDisabled ?? false,
            stack.IsDrifted,
            stack.WorkerPool is { Id: { } poolId } pool ? new WorkerPoolSummary(poolId, pool.Name ?? poolId) : null,
            stack.Blocker is { Id: { } blockerId } blocker
                ? new RunReference(blockerId, blocker.State, blocker.Type, host.RunPage(summary.Id, blockerId))
                : null,
            UnixTime.ToUtc(stack.CreatedAt),
            StackVendor.Name(stack.VendorConfig?.TypeName),
            host.StackPage(summary.Id));
    }
}

internal sealed record WorkerPoolSummary(string Id, string Name);

/// <summary>A run named by another object, such as a stack's blocker.</summary>
/// <param name="Url">The run's page in the Spacelift web UI.</param>
internal sealed record RunReference(string Id, string? State, string? Type, Uri Url);

/// <summary>Short names for the members of Spacelift's <c>StackConfigVendor</c> union.</summary>
internal static class StackVendor
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["StackConfigVendorTerraform"] = "terraform",
        ["StackConfigVendorOpenTofu"] = "opentofu",
        ["StackConfigVendorTerragrunt"] = "terragrunt",
        ["StackConfigVendorPulumi"] = "pulumi",
        ["StackConfigVendorCloudFormation"] = "cloudformation",
        ["StackConfigVendorKubernetes"] = "kubernetes",
        ["StackConfigVendorAnsible"] = "ansible",
    };

    /// <summary>
    /// Returns the short name of a vendor type, the type name itself for a vendor Spacelift added
    /// after this service was built, and null when the stack has no vendor configuration.
    /// </summary>
    public static string? Name(string? typeName) =>
        typeName is null ? null : Names.GetValueOrDefault(typeName, typeName);
}
