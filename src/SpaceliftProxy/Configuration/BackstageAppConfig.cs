namespace SpaceliftProxy.Configuration;

/// <summary>
/// Reads Backstage <c>app-config.yaml</c> files and maps the settings of the Spacelift plugin and of
/// the Backstage backend onto the service's configuration keys.
/// </summary>
/// <remarks>
/// <para>
/// Files are merged as Backstage merges them: a later file wins key by key, mappings merge deeply,
/// and sequences and scalars are replaced whole.
/// </para>
/// <para>
/// Only the sections below are read, so <c>${VAR}</c>, <c>$env</c>, <c>$file</c> and <c>$include</c>
/// elsewhere (for example a <c>$file</c> for a catalog integration's private key that exists only on
/// the Backstage host) are never evaluated and cannot stop the service from starting.
/// </para>
/// <list type="table">
/// <listheader><term>Backstage</term><description>.NET configuration key</description></listheader>
/// <item><term><c>spacelift.*</c></term><description><c>Spacelift:*</c></description></item>
/// <item><term><c>backend.baseUrl</c></term><description><c>Backstage:BaseUrl</c></description></item>
/// <item><term><c>app.baseUrl</c></term><description><c>Backstage:AppBaseUrl</c></description></item>
/// <item><term><c>backend.cache.connection</c> when <c>backend.cache.store</c> is <c>redis</c></term><description><c>ConnectionStrings:Redis</c></description></item>
/// <item><term><c>backend.auth.*</c></term><description><c>Backstage:Auth:*</c></description></item>
/// <item><term><c>auth.identityTokenAlgorithm</c></term><description><c>Backstage:AuthBackend:IdentityTokenAlgorithm</c></description></item>
/// <item><term><c>discovery.*</c></term><description><c>Backstage:Discovery:*</c></description></item>
/// <item><term><c>permission.*</c></term><description><c>Backstage:Permission:*</c></description></item>
/// </list>
/// <para>
/// Keys below a section keep their Backstage spelling (<c>Spacelift:hostUrl</c>), which binds
/// because .NET configuration keys are case-insensitive. Sequence items become index keys such as
/// <c>Backstage:Auth:externalAccess:0:type</c>. An empty mapping or sequence produces no key.
/// </para>
/// </remarks>
internal static class BackstageAppConfig
{
    private const string RedisStore = "redis";

    /// <summary>The parts of an app-config file that are resolved and merged.</summary>
    private static readonly SectionPick[] PickedSections =
    [
        new("spacelift"),
        new("app", [new("baseUrl")]),
        new("backend", [new("baseUrl"), new("auth"), new("cache", [new("store"), new("connection")])]),
        // Only the settings read here: the rest of auth (providers and their secrets, often $file
        // paths that exist only in Backstage's pod) must not be resolved.
        new("auth", [new("identityTokenAlgorithm")]),
        new("discovery"),
        new("permission", [new("enabled")]),
    ];

    /// <summary>
    /// Adds the settings from Backstage app-config files as an in-memory source, reading the process
    /// environment and the file system.
    /// </summary>
    /// <exception cref="StartupException">A file is missing, unreadable or invalid.</exception>
    public static IConfigurationBuilder AddBackstageAppConfig(this IConfigurationBuilder builder, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(paths);

        return builder.AddInMemoryCollection(Load(paths, Environment.GetEnvironmentVariable, File.ReadAllText));
    }

    /// <summary>
    /// Reads and merges app-config files, later files winning, and returns the mapped .NET
    /// configuration keys and values. The returned keys compare case-insensitively.
    /// </summary>
    /// <param name="paths">App-config files in merge order. Relative paths are resolved against the current directory.</param>
    /// <param name="environment">Returns an environment variable's value, or <see langword="null"/> when it is unset.</param>
    /// <param name="readFile">
    /// Returns a file's text from its full path. It reports a missing or unreadable file with
    /// <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>, as <see cref="File.ReadAllText(string)"/> does.
    /// </param>
    /// <exception cref="StartupException">A file is missing, unreadable or invalid.</exception>
    public static IReadOnlyDictionary<string, string?> Load(
        IReadOnlyList<string> paths, Func<string, string?> environment, Func<string, string> readFile)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(readFile);

        var resolver = new BackstageAppConfigResolver(environment, readFile);
        var merged = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);

        foreach (var path in paths)
        {
            var file = new BackstageAppConfigFile(Path.GetFullPath(path), IncludedBy: null);
            var root = resolver.ReadConfigFile(file);

            // The whole file may be a single { $include: ... }, so the top level is resolved first.
            if (!resolver.TryResolveNode(root, file, "", out var resolvedRoot, out var rootFile) || resolvedRoot is null)
            {
                continue;
            }

            if (resolvedRoot is not Dictionary<string, object?> rootMapping)
            {
                throw new StartupException(
                    $"Invalid Backstage app-config file '{file.Path}': the top level must be a mapping of keys such as 'spacelift:' and 'backend:'.");
            }

            Merge(merged, Pick(resolver, rootMapping, PickedSections, rootFile, ""));
        }

        return MapToConfigurationKeys(merged);
    }

    /// <summary>Resolves the picked keys of a mapping and leaves every other key unread.</summary>
    private static Dictionary<string, object?> Pick(
        BackstageAppConfigResolver resolver,
        Dictionary<string, object?> mapping,
        SectionPick[] picks,
        BackstageAppConfigFile file,
        string path)
    {
        var picked = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pick in picks)
        {
            if (!mapping.TryGetValue(pick.Key, out var node))
            {
                continue;
            }

            var childPath = BackstageAppConfigResolver.ChildPath(path, pick.Key);
            if (pick.Children is null)
            {
                if (resolver.TryResolveTree(node, file, childPath, out var value))
                {
                    picked[pick.Key] = value;
                }
            }
            else if (resolver.TryResolveNode(node, file, childPath, out var value, out var valueFile))
            {
                // A scalar or null is kept so that it replaces an earlier file's mapping, as in Backstage.
                picked[pick.Key] = value is Dictionary<string, object?> childMapping
                    ? Pick(resolver, childMapping, pick.Children, valueFile, childPath)
                    : value;
            }
        }

        return picked;
    }

    /// <summary>
    /// Merges <paramref name="source"/> into <paramref name="target"/>: mappings present in both merge
    /// recursively, and any other value in <paramref name="source"/> replaces the target's value.
    /// </summary>
    private static void Merge(Dictionary<string, object?> target, Dictionary<string, object?> source)
    {
        foreach (var (key, value) in source)
        {
            if (value is Dictionary<string, object?> sourceMapping
                && target.TryGetValue(key, out var existing)
                && existing is Dictionary<string, object?> targetMapping)
            {
                Merge(targetMapping, sourceMapping);
            }
            else
            {
                target[key] = value;
            }
        }
    }

    private static Dictionary<string, string?> MapToConfigurationKeys(Dictionary<string, object?> merged)
    {
        var output = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

        FlattenSection(merged, "spacelift", "Spacelift", output);
        FlattenSection(merged, "auth", "Backstage:AuthBackend", output);
        FlattenSection(merged, "discovery", "Backstage:Discovery", output);
        FlattenSection(merged, "permission", "Backstage:Permission", output);

        if (merged.GetValueOrDefault("app") is Dictionary<string, object?> app)
        {
            FlattenSection(app, "baseUrl", "Backstage:AppBaseUrl", output);
        }

        if (merged.GetValueOrDefault("backend") is Dictionary<string, object?> backend)
        {
            FlattenSection(backend, "baseUrl", "Backstage:BaseUrl", output);
            FlattenSection(backend, "auth", "Backstage:Auth", output);

            if (backend.GetValueOrDefault("cache") is Dictionary<string, object?> cache)
            {
                MapRedisCache(cache, output);
            }
        }

        return output;
    }

    /// <summary>
    /// Maps Backstage's Redis cache store onto the Redis connection string. The URL is passed through
    /// unchanged because the cache setup converts <c>redis://</c> URLs itself.
    /// </summary>
    private static void MapRedisCache(Dictionary<string, object?> cache, Dictionary<string, string?> output)
    {
        if (cache.GetValueOrDefault("store") as string != RedisStore || !cache.TryGetValue("connection", out var connection))
        {
            return;
        }

        if (connection is not (string or null))
        {
            throw new StartupException(
                "Invalid backend.cache.connection in the Backstage app-config: with backend.cache.store set to redis it must be a URL such as redis://user:password@redis.example.com:6379.");
        }

        output["ConnectionStrings:Redis"] = (string?)connection;
    }

    private static void FlattenSection(
        Dictionary<string, object?> mapping, string key, string configurationKey, Dictionary<string, string?> output)
    {
        if (mapping.TryGetValue(key, out var value))
        {
            Flatten(value, configurationKey, output);
        }
    }

    private static void Flatten(object? node, string configurationKey, Dictionary<string, string?> output)
    {
        switch (node)
        {
            case Dictionary<string, object?> mapping:
                foreach (var (key, child) in mapping)
                {
                    Flatten(child, ConfigurationPath.Combine(configurationKey, key), output);
                }

                break;

            case List<object?> sequence:
                for (var i = 0; i < sequence.Count; i++)
                {
                    Flatten(sequence[i], ConfigurationPath.Combine(configurationKey, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), output);
                }

                break;

            default:
                output[configurationKey] = (string?)node;
                break;
        }
    }

    /// <summary>
    /// A key to read from a mapping: the whole value when <paramref name="Children"/> is
    /// <see langword="null"/>, otherwise only the listed keys below it.
    /// </summary>
    private sealed record SectionPick(string Key, SectionPick[]? Children = null);
}
