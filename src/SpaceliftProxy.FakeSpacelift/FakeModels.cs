using System.Diagnostics.CodeAnalysis;

namespace SpaceliftProxy.FakeSpacelift;

// These classes are plain mutable records of what the stand-in serves. Property names match the
// GraphQL field names because GraphQL.NET's default resolver reads the property of the same name
// (case-insensitive). FakeSpaceliftData stores its own copies, so changing a test's instance has
// no effect until it is passed back through a mutator.

/// <summary>A Spacelift space; <c>root</c> is the top of the tree.</summary>
public sealed class FakeSpace
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public string? ParentSpace { get; set; }

    public FakeSpace Clone() => (FakeSpace)MemberwiseClone();
}

/// <summary>A VCS commit as Spacelift reports it; <see cref="Timestamp"/> is in Unix seconds.</summary>
public sealed class FakeCommit
{
    public string Hash { get; set; } = "";
    public string? AuthorLogin { get; set; }
    public string? AuthorName { get; set; }
    public string? Message { get; set; }
    public long? Timestamp { get; set; }
    public string? Url { get; set; }

    public FakeCommit Clone() => (FakeCommit)MemberwiseClone();
}

/// <summary>Resource changes planned by a run.</summary>
public sealed class FakeDelta
{
    public int AddCount { get; set; }
    public int ChangeCount { get; set; }
    public int DeleteCount { get; set; }
    public int? Resources { get; set; }

    public FakeDelta Clone() => (FakeDelta)MemberwiseClone();
}

/// <summary>A private worker pool; stacks without one run on Spacelift's public workers.</summary>
public sealed class FakeWorkerPool
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";

    public FakeWorkerPool Clone() => (FakeWorkerPool)MemberwiseClone();
}

/// <summary>
/// A member of the <c>StackConfigVendor</c> union: <see cref="TypeName"/> is the GraphQL object type
/// (for example <c>StackConfigVendorTerraform</c>) and <see cref="Fields"/> maps that type's field
/// names to values. A field missing from the map resolves to null.
/// </summary>
public sealed class FakeVendorConfig
{
    public string TypeName { get; set; } = "";
    public IReadOnlyDictionary<string, string?> Fields { get; set; } = new Dictionary<string, string?>();

    public static FakeVendorConfig Terraform(string? version, string? workspace = null) =>
        Create("StackConfigVendorTerraform", ("version", version), ("workspace", workspace));

    public static FakeVendorConfig OpenTofu(string? version, string? workspace = null) =>
        Create("StackConfigVendorOpenTofu", ("version", version), ("workspace", workspace));

    public static FakeVendorConfig Terragrunt(string? terraformVersion, string? terragruntVersion) =>
        Create("StackConfigVendorTerragrunt", ("terraformVersion", terraformVersion), ("terragruntVersion", terragruntVersion));

    public static FakeVendorConfig Pulumi(string? loginUrl, string? stackName) =>
        Create("StackConfigVendorPulumi", ("loginURL", loginUrl), ("stackName", stackName));

    public static FakeVendorConfig CloudFormation(string? region, string? stackName) =>
        Create("StackConfigVendorCloudFormation", ("region", region), ("stackName", stackName));

    public static FakeVendorConfig Kubernetes(string? kubernetesNamespace, string? kubectlVersion) =>
        Create("StackConfigVendorKubernetes", ("namespace", kubernetesNamespace), ("kubectlVersion", kubectlVersion));

    public static FakeVendorConfig Ansible(string? playbook) =>
        Create("StackConfigVendorAnsible", ("playbook", playbook));

    public FakeVendorConfig Clone() => new()
    {
        TypeName = TypeName,
        Fields = new Dictionary<string, string?>(Fields, StringComparer.Ordinal),
    };

    private static FakeVendorConfig Create(string typeName, params (string Name, string? Value)[] fields) => new()
    {
        TypeName = typeName,
        Fields = fields.ToDictionary(field => field.Name, field => field.Value, StringComparer.Ordinal),
    };
}

/// <summary>
/// A stack. <see cref="State"/> and <see cref="Provider"/> hold GraphQL enum value names; a state
/// outside the <c>StackState</c> enum fails to serialise unless it is listed in
/// <see cref="FakeSpaceliftOptions.ExtraStackStates"/>. <see cref="CreatedAt"/> is in Unix seconds.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "Spacelift's name for the entity is stack.")]
public sealed class FakeStack
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public IReadOnlyList<string> Labels { get; set; } = [];
    public string State { get; set; } = "NONE";
    public string Branch { get; set; } = "main";

    /// <summary>The id of the stack's space.</summary>
    public string Space { get; set; } = "root";

    public string Repository { get; set; } = "";
    public string? Namespace { get; set; }
    public string Provider { get; set; } = "GITHUB";
    public string? ApiHost { get; set; }
    public string? ProjectRoot { get; set; }
    public FakeCommit? TrackedCommit { get; set; }
    public string? LockedBy { get; set; }
    public bool IsDisabled { get; set; }
    public bool? IsDrifted { get; set; }
    public FakeWorkerPool? WorkerPool { get; set; }

    /// <summary>The id of one of this stack's runs, served as <c>blocker</c>; null when nothing blocks the stack.</summary>
    public string? BlockerRunId { get; set; }

    public long CreatedAt { get; set; }
    public FakeVendorConfig? VendorConfig { get; set; }

    public FakeStack Clone()
    {
        var copy = (FakeStack)MemberwiseClone();
        copy.Labels = [.. Labels];
        copy.TrackedCommit = TrackedCommit?.Clone();
        copy.WorkerPool = WorkerPool?.Clone();
        copy.VendorConfig = VendorConfig?.Clone();
        return copy;
    }
}

/// <summary>
/// A run. <see cref="State"/> and <see cref="Type"/> hold GraphQL enum value names;
/// <see cref="CreatedAt"/> and <see cref="UpdatedAt"/> are in Unix seconds.
/// </summary>
public sealed class FakeRun
{
    public string Id { get; set; } = "";
    public string State { get; set; } = "QUEUED";
    public string Type { get; set; } = "TRACKED";
    public long CreatedAt { get; set; }
    public long? UpdatedAt { get; set; }
    public string? TriggeredBy { get; set; }
    public string? Branch { get; set; }
    public string? Title { get; set; }
    public FakeCommit? Commit { get; set; }
    public FakeDelta? Delta { get; set; }
    public bool? Finished { get; set; }

    public FakeRun Clone()
    {
        var copy = (FakeRun)MemberwiseClone();
        copy.Commit = Commit?.Clone();
        copy.Delta = Delta?.Clone();
        return copy;
    }
}
