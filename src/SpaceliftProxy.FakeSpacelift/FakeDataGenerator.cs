using System.Globalization;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>
/// Generates a realistic account from a seed. Everything except timestamps, and the run ids that
/// encode them, depends only on the seed and the stack count. Timestamps count back from the
/// generation time so that the data looks recent. The first stacks are fixed edge cases, so tests
/// can rely on them whenever the stack count reaches them.
/// </summary>
internal sealed class FakeDataGenerator
{
    public const string PaymentsStackId = "payments-api-prod";
    public const string UnicodeStackId = "zurich-tokyo-launch";

    private static readonly (string Slug, string DisplayName, string Team)[] Services =
    [
        ("payments-api", "Payments API", "payments"),
        ("checkout-web", "Checkout Web", "checkout"),
        ("identity-service", "Identity Service", "identity"),
        ("billing-worker", "Billing Worker", "payments"),
        ("search-indexer", "Search Indexer", "search"),
        ("data-lake", "Data Lake", "data"),
        ("network-core", "Network Core", "platform"),
        ("observability", "Observability", "platform"),
        ("eks-cluster", "EKS Cluster", "platform"),
        ("dns-zones", "DNS Zones", "platform"),
        ("iam-baseline", "IAM Baseline", "security"),
        ("ml-feature-store", "ML Feature Store", "ml"),
        ("notifications", "Notifications", "growth"),
        ("cdn-edge", "CDN Edge", "platform"),
        ("audit-log", "Audit Log", "security"),
        ("reporting-db", "Reporting DB", "data"),
    ];

    private static readonly (string Slug, string DisplayName)[] Environments =
    [
        ("prod", "production"),
        ("staging", "staging"),
        ("dev", "development"),
    ];

    private static readonly string[] Regions = ["", "-eu-west-1", "-us-east-1", "-ap-southeast-2"];

    private static readonly (string Login, string Name)[] Authors =
    [
        ("marta.nowak", "Marta Nowak"),
        ("jdoe", "John Doe"),
        ("akira-tanaka", "Akira Tanaka"),
        ("lena.schmidt", "Lena Schmidt"),
        ("oboateng", "Ohene Boateng"),
        ("priya-r", "Priya Raman"),
        ("dependabot[bot]", "dependabot[bot]"),
    ];

    private static readonly string[] CommitMessages =
    [
        "Bump AWS provider to 5.44",
        "Add read replica for reporting",
        "Tighten security group ingress rules",
        "Rotate KMS key alias",
        "Raise autoscaling max to 12 nodes",
        "Fix typo in tags",
        "Move state to the new bucket\n\nThe old bucket is retired next quarter.",
        "Enable deletion protection on the primary database",
        "Add CloudWatch alarms for 5xx rate",
        "Pin module versions",
        "Revert \"Raise autoscaling max to 12 nodes\"",
        "Split IAM policy per service",
    ];

    private static readonly string[] StackStateMix =
    [
        "FINISHED", "FINISHED", "FINISHED", "FINISHED", "FINISHED", "FINISHED", "FINISHED", "FINISHED",
        "FAILED", "FAILED", "READY", "READY", "APPLYING", "PLANNING", "DISCARDED", "STOPPED", "CONFIRMED",
    ];

    private readonly Random _random;
    private readonly DateTimeOffset _now;
    private readonly string _apiKeyId;
    private readonly Dictionary<string, string> _spaceByTeam = new(StringComparer.Ordinal);
    private readonly List<FakeWorkerPool> _workerPools = [];
    private string _sandboxSpaceId = "root";

    public FakeDataGenerator(int seed, DateTimeOffset now, string apiKeyId)
    {
        // System.Random with a seed produces the same sequence on every run of the same .NET version.
        _random = new Random(seed);
        _now = now;
        _apiKeyId = apiKeyId;
    }

    public void Populate(FakeSpaceliftData data, int stackCount)
    {
        AddSpaces(data);
        AddWorkerPools();

        var ids = StackIds(stackCount);
        for (var index = 0; index < ids.Count; index++)
        {
            AddStack(data, index, ids[index]);
        }
    }

    private void AddSpaces(FakeSpaceliftData data)
    {
        data.UpsertSpace(new FakeSpace { Id = "root", Name = "root", Description = "The account's root space." });

        // Space ids carry a ULID from early 2024, as spaces created then do in Spacelift.
        var created = new DateTimeOffset(2024, 2, 20, 9, 0, 0, TimeSpan.Zero);
        var platform = AddSpace(data, "platform", "Platform", "Shared infrastructure run by the platform team.", "root", created);
        var payments = AddSpace(data, "payments", "Payments", null, "root", created.AddDays(3));
        var dataSpace = AddSpace(data, "data", "Data & Analytics", "Warehouses, pipelines and ML.", "root", created.AddDays(9));
        _sandboxSpaceId = AddSpace(data, "sandbox", "Sandbox", "Short-lived experiments; stacks here may be deleted at any time.", platform, created.AddDays(30));

        _spaceByTeam["platform"] = platform;
        _spaceByTeam["security"] = platform;
        _spaceByTeam["payments"] = payments;
        _spaceByTeam["checkout"] = payments;
        _spaceByTeam["data"] = dataSpace;
        _spaceByTeam["ml"] = dataSpace;
        _spaceByTeam["search"] = dataSpace;
    }

    private string AddSpace(FakeSpaceliftData data, string slug, string name, string? description, string parent, DateTimeOffset created)
    {
        var id = $"{slug}-{FakeIds.NewUlid(created, _random)}";
        data.UpsertSpace(new FakeSpace { Id = id, Name = name, Description = description, ParentSpace = parent });
        return id;
    }

    private void AddWorkerPools()
    {
        var created = new DateTimeOffset(2024, 3, 4, 12, 0, 0, TimeSpan.Zero);
        _workerPools.Add(new FakeWorkerPool { Id = FakeIds.NewUlid(created, _random), Name = "private-eks-pool" });
        _workerPools.Add(new FakeWorkerPool { Id = FakeIds.NewUlid(created.AddDays(40), _random), Name = "pci-isolated-workers" });
    }

    private List<(string Id, int Service, int Environment, string Region)> StackIds(int stackCount)
    {
        // The first entries are the fixed edge cases described in AddStack; the rest follow in seeded order.
        var fixedIds = new List<(string, int, int, string)>
        {
            (PaymentsStackId, 0, 0, ""),
            ("checkout-web-prod", 1, 0, ""),
            ("identity-service-staging", 2, 1, ""),
            (UnicodeStackId, 12, 0, ""),
            ("data-lake-dev", 5, 2, ""),
            ("network-core-prod", 6, 0, ""),
            ("observability-prod", 7, 0, ""),
            ("iam-baseline-prod", 10, 0, ""),
            ("dns-zones-staging", 9, 1, ""),
        };

        var result = fixedIds.Take(stackCount).ToList();
        var used = new HashSet<string>(result.Select(entry => entry.Item1), StringComparer.Ordinal);
        var combinations = new List<(string, int, int, string)>();
        foreach (var region in Regions)
        {
            var block = new List<(string, int, int, string)>();
            for (var service = 0; service < Services.Length; service++)
            {
                for (var environment = 0; environment < Environments.Length; environment++)
                {
                    block.Add(($"{Services[service].Slug}-{Environments[environment].Slug}{region}", service, environment, region));
                }
            }

            Shuffle(block);
            combinations.AddRange(block);
        }

        var suffix = 2;
        while (result.Count < stackCount)
        {
            foreach (var candidate in combinations)
            {
                if (result.Count == stackCount)
                {
                    break;
                }

                var id = suffix == 2 ? candidate.Item1 : $"{candidate.Item1}-{suffix.ToString(CultureInfo.InvariantCulture)}";
                if (used.Add(id))
                {
                    result.Add((id, candidate.Item2, candidate.Item3, candidate.Item4));
                }
            }

            suffix++;
        }

        return result;
    }

    private void AddStack(FakeSpaceliftData data, int index, (string Id, int Service, int Environment, string Region) key)
    {
        var service = Services[key.Service];
        var environment = Environments[key.Environment];
        var provider = PickProvider();
        var repositoryName = $"infra-{service.Team}";
        var stack = new FakeStack
        {
            Id = key.Id,
            Name = key.Region.Length == 0
                ? $"{service.DisplayName} ({environment.DisplayName})"
                : $"{service.DisplayName} ({environment.DisplayName}, {key.Region.TrimStart('-')})",
            Description = PickDescription(service.DisplayName, environment.DisplayName),
            Labels = PickLabels(service.Team, environment.Slug),
            Branch = PickBranch(),
            Space = key.Environment == 2 && _random.Next(3) == 0
                ? _sandboxSpaceId
                : _spaceByTeam.GetValueOrDefault(service.Team, "root"),
            Repository = repositoryName,
            Namespace = provider.Namespace,
            Provider = provider.Name,
            ApiHost = provider.ApiHost,
            ProjectRoot = _random.Next(5) == 0 ? null : $"stacks/{service.Slug}/{environment.Slug}",
            LockedBy = null,
            IsDisabled = false,
            IsDrifted = _random.Next(20) switch
            {
                0 => null,
                1 or 2 => true,
                _ => false,
            },
            WorkerPool = _random.Next(6) == 0 ? _workerPools[_random.Next(_workerPools.Count)].Clone() : null,
            CreatedAt = _now.AddDays(-_random.Next(30, 900)).AddMinutes(-_random.Next(1440)).ToUnixTimeSeconds(),
            VendorConfig = PickVendorConfig(service.Slug, environment.Slug),
        };

        var state = StackStateMix[_random.Next(StackStateMix.Length)];
        var runCount = _random.Next(1, 36);
        ApplyEdgeCase(index, stack, ref state, ref runCount);

        data.AddStack(stack);
        var runs = CreateRuns(stack, provider, runCount, state);

        // AddRun makes each run the newest, so the oldest goes in first.
        for (var i = runs.Count - 1; i >= 0; i--)
        {
            data.AddRun(stack.Id, runs[i]);
        }

        var newestTracked = runs.Find(run => run.Type == RunTypes.Tracked);
        data.UpdateStack(stack.Id, stored =>
        {
            stored.State = runs.Count == 0 ? "NONE" : state;
            stored.TrackedCommit = newestTracked?.Commit?.Clone() ?? stored.TrackedCommit;
            stored.BlockerRunId = newestTracked is { Finished: false } ? newestTracked.Id : null;
        });
    }

    /// <summary>Turns the first stacks into the fixed cases that tests and the demo rely on.</summary>
    private static void ApplyEdgeCase(int index, FakeStack stack, ref string state, ref int runCount)
    {
        switch (index)
        {
            case 0:
                // Enough tracked runs for several pages of Stack.runs.
                stack.Labels = ["team:payments", "env:prod", "tier:critical", "pci", "cost-center:cc-1042"];
                stack.Description = "Payments API infrastructure: ALB, ECS service, Aurora cluster and queues.";
                state = "FINISHED";
                runCount = 35;
                break;
            case 1:
            case 2:
                state = "UNCONFIRMED";
                runCount = Math.Max(runCount, 3);
                break;
            case 3:
                stack.Name = "Zürich 東京 🚀";
                stack.Description = "Launch infrastructure for the Zürich and 東京 regions. Ünïcödé everywhere 🚀";
                stack.Labels = ["team:growth", "env:prod", "launch:2025-q3"];
                state = "READY";
                runCount = Math.Max(runCount, 2);
                break;
            case 4:
                // A stack that has never run: state NONE, no labels, no description.
                stack.Description = null;
                stack.Labels = [];
                stack.TrackedCommit = null;
                state = "NONE";
                runCount = 0;
                break;
            case 5:
                stack.Description = string.Concat(Enumerable.Repeat(
                    "Core networking for production: VPCs, transit gateway attachments, NAT gateways, route tables and the private DNS resolver endpoints shared by every account. ",
                    3)).TrimEnd();
                break;
            case 6:
                stack.Description = """
                    # Observability

                    Manages **Grafana**, Prometheus and the alerting rules.

                    - Dashboards live in `dashboards/`
                    - See [the runbook](https://wiki.example.com/observability) before changing alert routes
                    """;
                break;
            case 7:
                stack.LockedBy = "marta.nowak";
                state = "FAILED";
                runCount = Math.Max(runCount, 1);
                break;
            case 8:
                stack.IsDisabled = true;
                stack.Labels = [];
                break;
            default:
                break;
        }
    }

    private List<FakeRun> CreateRuns(FakeStack stack, (string Name, string? Namespace, string? ApiHost, string WebHost) provider, int count, string stackState)
    {
        var runs = new List<FakeRun>(count);
        var time = _now.AddMinutes(-_random.Next(3, 4 * 1440));
        for (var i = 0; i < count; i++)
        {
            // The newest run is tracked and in the state the stack reports; older runs are settled.
            var type = i == 0 || _random.Next(5) != 0 ? RunTypes.Tracked : RunTypes.Proposed;
            var state = i == 0 ? NewestRunState(stackState) : SettledRunState(type);
            runs.Add(CreateRun(stack, provider, type, state, time));
            time = time.AddMinutes(-_random.Next(60, 4 * 1440));
        }

        return runs;
    }

    private FakeRun CreateRun(FakeStack stack, (string Name, string? Namespace, string? ApiHost, string WebHost) provider, string type, string state, DateTimeOffset created)
    {
        var author = Authors[_random.Next(Authors.Length)];
        var message = CommitMessages[_random.Next(CommitMessages.Length)];
        var hash = RandomHex(40);
        var finished = state is "FINISHED" or "FAILED" or "DISCARDED" or "STOPPED" or "CANCELED" or "SKIPPED";
        var commit = new FakeCommit
        {
            Hash = hash,
            AuthorLogin = author.Login,
            AuthorName = author.Name,
            Message = message,
            Timestamp = created.AddMinutes(-_random.Next(1, 240)).ToUnixTimeSeconds(),
            Url = $"https://{provider.WebHost}/{provider.Namespace ?? "acme"}/{stack.Repository}/commit/{hash}",
        };

        return new FakeRun
        {
            Id = FakeIds.NewUlid(created, _random),
            State = state,
            Type = type,
            CreatedAt = created.ToUnixTimeSeconds(),
            UpdatedAt = created.AddSeconds(finished ? _random.Next(45, 1200) : _random.Next(5, 60)).ToUnixTimeSeconds(),
            TriggeredBy = PickTriggeredBy(type),
            Branch = type == RunTypes.Tracked ? stack.Branch : $"feature/{message.Split(' ')[0].ToLowerInvariant()}-{_random.Next(100, 999).ToString(CultureInfo.InvariantCulture)}",
            Title = message.Split('\n')[0],
            Commit = commit,
            Delta = PickDelta(state),
            Finished = finished,
        };
    }

    private static string NewestRunState(string stackState) => stackState switch
    {
        "READY" => "FINISHED",
        "PREPARING" => "QUEUED",
        _ => stackState,
    };

    private string SettledRunState(string type)
    {
        var roll = _random.Next(100);
        if (type == RunTypes.Proposed)
        {
            return roll < 80 ? "FINISHED" : "FAILED";
        }

        return roll switch
        {
            < 75 => "FINISHED",
            < 87 => "FAILED",
            < 93 => "DISCARDED",
            < 97 => "STOPPED",
            _ => "CANCELED",
        };
    }

    private FakeDelta? PickDelta(string state)
    {
        var planned = state switch
        {
            "FINISHED" or "UNCONFIRMED" or "CONFIRMED" or "APPLYING" or "DISCARDED" => true,

            // Half of the failed runs failed before planning, so Spacelift has no delta for them.
            "FAILED" => _random.Next(2) == 0,
            _ => false,
        };
        if (!planned)
        {
            return null;
        }

        return new FakeDelta
        {
            AddCount = _random.Next(4) == 0 ? _random.Next(1, 15) : 0,
            ChangeCount = _random.Next(0, 6),
            DeleteCount = _random.Next(6) == 0 ? _random.Next(1, 4) : 0,
            Resources = _random.Next(8) == 0 ? null : _random.Next(10, 400),
        };
    }

    private string? PickTriggeredBy(string type)
    {
        var roll = _random.Next(100);
        if (type == RunTypes.Proposed)
        {
            return roll < 85 ? null : Authors[_random.Next(Authors.Length - 1)].Login;
        }

        return roll switch
        {
            // VCS pushes carry no trigger.
            < 55 => null,
            < 80 => Authors[_random.Next(Authors.Length - 1)].Login,
            _ => $"api::{_apiKeyId}",
        };
    }

    private (string Name, string? Namespace, string? ApiHost, string WebHost) PickProvider() => _random.Next(20) switch
    {
        < 14 => ("GITHUB", "acme-corp", null, "github.com"),
        < 17 => ("GITLAB", "acme-group/infrastructure", null, "gitlab.com"),
        17 => ("BITBUCKET_CLOUD", "acme", null, "bitbucket.org"),
        18 => ("GITHUB_ENTERPRISE", "platform", "https://github.acme.example", "github.acme.example"),
        _ => ("AZURE_DEVOPS", "acme/Infrastructure", "https://dev.azure.com/acme", "dev.azure.com"),
    };

    private string? PickDescription(string service, string environment) => _random.Next(10) switch
    {
        < 3 => null,
        < 6 => $"Terraform for the {service} service in {environment}.",
        < 8 => $"{service} ({environment}). Owned by the on-call rotation; page before applying outside business hours.",
        _ => "",
    };

    private List<string> PickLabels(string team, string environment)
    {
        if (_random.Next(5) == 0)
        {
            return [];
        }

        var labels = new List<string> { $"team:{team}", $"env:{environment}" };
        string[] extras = ["tier:critical", "feature:drift-detection", "autoattach:aws-prod", "compliance:sox", "terraform"];
        foreach (var extra in extras)
        {
            if (_random.Next(4) == 0)
            {
                labels.Add(extra);
            }
        }

        return labels;
    }

    private string PickBranch() => _random.Next(10) switch
    {
        < 7 => "main",
        < 9 => "master",
        _ => "release/2025.06",
    };

    private FakeVendorConfig? PickVendorConfig(string service, string environment) => _random.Next(100) switch
    {
        < 45 => FakeVendorConfig.Terraform(PickOne("1.5.7", "1.6.6", "1.7.5"), _random.Next(3) == 0 ? environment : null),
        < 65 => FakeVendorConfig.OpenTofu(PickOne("1.7.3", "1.8.2"), null),
        < 75 => FakeVendorConfig.Terragrunt("1.5.7", PickOne("0.55.1", "0.58.4")),
        < 83 => FakeVendorConfig.Pulumi("s3://acme-pulumi-state", $"acme/{service}/{environment}"),
        < 89 => FakeVendorConfig.CloudFormation(PickOne("eu-west-1", "us-east-1"), $"{service}-{environment}"),
        < 95 => FakeVendorConfig.Kubernetes(service, "1.29.2"),
        < 98 => FakeVendorConfig.Ansible("site.yml"),
        _ => null,
    };

    private string PickOne(params string[] values) => values[_random.Next(values.Length)];

    private string RandomHex(int length)
    {
        var bytes = new byte[length / 2];
        _random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private void Shuffle<T>(List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
