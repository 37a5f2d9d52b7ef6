using SpaceliftProxy.Runs;
using SpaceliftProxy.Stacks;

namespace SpaceliftProxy.Entities;

/// <summary>The stacks a catalog entity's annotations name, each with its latest tracked runs.</summary>
/// <param name="EntityRef">The entity reference, <c>kind:namespace/name</c> in lower case.</param>
/// <param name="Stacks">Annotated stacks that Spacelift has: the <c>spacelift.io/stack-id</c> ones in annotation order, then those carrying the <c>spacelift.io/stack-label</c> label.</param>
/// <param name="Missing">Ids from <c>spacelift.io/stack-id</c> that Spacelift has no stack for (deleted, renamed or not visible to the API key).</param>
/// <param name="Invalid">Values in <c>spacelift.io/stack-id</c> that cannot be stack ids.</param>
/// <param name="Message">Why the list is empty or cut short, and what to add when the entity has no Spacelift annotation; else null.</param>
internal sealed record EntityStacks(
    string EntityRef,
    IReadOnlyList<EntityStack> Stacks,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Invalid,
    string? Message);

/// <summary>One of an entity's stacks.</summary>
/// <param name="Runs">The stack's newest tracked runs, newest first.</param>
internal sealed record EntityStack(StackDetails Stack, IReadOnlyList<RunSummary> Runs);
