using System.Globalization;
using System.Text.RegularExpressions;

namespace SpaceliftProxy.Configuration;

/// <summary>
/// A config file being read, with the file that included it, if any.
/// </summary>
/// <param name="Path">Full path of the file.</param>
/// <param name="IncludedBy">The file whose <c>$include</c> led here, or <see langword="null"/> for a file given with <c>--config</c>.</param>
internal sealed record BackstageAppConfigFile(string Path, BackstageAppConfigFile? IncludedBy)
{
    /// <summary>Directory against which relative <c>$file</c> and <c>$include</c> paths are resolved.</summary>
    public string Directory => System.IO.Path.GetDirectoryName(Path) ?? "";

    /// <summary>Returns whether <paramref name="path"/> is this file or one of the files that included it.</summary>
    public bool IsInIncludeChain(string path)
    {
        for (var file = this; file is not null; file = file.IncludedBy)
        {
            if (string.Equals(file.Path, path, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Applies Backstage's config transforms to a parsed tree: <c>${VAR}</c> substitution in strings and
/// the <c>$env</c>, <c>$file</c> and <c>$include</c> mappings.
/// </summary>
/// <remarks>
/// The rules follow Backstage's <c>@backstage/config-loader</c> (<c>sources/transform/substitution.ts</c>
/// and <c>include.ts</c>). A value that Backstage would make undefined, such as a string naming an
/// unset variable, makes the <c>TryResolve</c> methods return <see langword="false"/>, and the caller
/// leaves the key out. In a sequence the element is dropped, as Backstage does.
/// </remarks>
internal sealed partial class BackstageAppConfigResolver(Func<string, string?> environment, Func<string, string> readFile)
{
    private const string EnvKey = "$env";
    private const string FileKey = "$file";
    private const string IncludeKey = "$include";

    /// <summary>Reads and parses a file given with <c>--config</c>.</summary>
    /// <exception cref="StartupException">The file cannot be read or is not valid YAML.</exception>
    public object? ReadConfigFile(BackstageAppConfigFile file)
    {
        string text;
        try
        {
            text = readFile(file.Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException(
                $"Cannot read the Backstage app-config file '{file.Path}': {ex.Message} Check the path given with --config.");
        }

        return BackstageAppConfigParser.ParseYaml(text, file.Path);
    }

    /// <summary>
    /// Resolves a node and everything below it. Returns <see langword="false"/> when the node is undefined.
    /// </summary>
    /// <param name="node">The parsed node.</param>
    /// <param name="file">The file that contains the node.</param>
    /// <param name="path">Location of the node for error messages, such as <c>backend.auth.keys[0]</c>.</param>
    /// <param name="value">The resolved node.</param>
    public bool TryResolveTree(object? node, BackstageAppConfigFile file, string path, out object? value)
    {
        if (!TryResolveNode(node, file, path, out var resolved, out var resolvedFile))
        {
            value = null;
            return false;
        }

        switch (resolved)
        {
            case Dictionary<string, object?> mapping:
                var resolvedMapping = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                foreach (var (key, child) in mapping)
                {
                    if (TryResolveTree(child, resolvedFile, ChildPath(path, key), out var childValue))
                    {
                        resolvedMapping[key] = childValue;
                    }
                }

                value = resolvedMapping;
                return true;

            case List<object?> sequence:
                var resolvedSequence = new List<object?>(sequence.Count);
                for (var i = 0; i < sequence.Count; i++)
                {
                    if (TryResolveTree(sequence[i], resolvedFile, ItemPath(path, i), out var item))
                    {
                        resolvedSequence.Add(item);
                    }
                }

                value = resolvedSequence;
                return true;

            default:
                value = resolved;
                return true;
        }
    }

    /// <summary>
    /// Resolves the substitution or include at a node without resolving its children, so that a caller
    /// can walk into some keys and never touch the rest.
    /// </summary>
    /// <param name="node">The parsed node.</param>
    /// <param name="file">The file that contains the node.</param>
    /// <param name="path">Location of the node for error messages.</param>
    /// <param name="value">The resolved node.</param>
    /// <param name="valueFile">
    /// The file that the resolved node came from, which differs from <paramref name="file"/> after
    /// <c>$include</c>. Relative paths in the node's children are resolved against it.
    /// </param>
    public bool TryResolveNode(
        object? node, BackstageAppConfigFile file, string path, out object? value, out BackstageAppConfigFile valueFile)
    {
        valueFile = file;
        switch (node)
        {
            case string text:
                return TrySubstitute(text, out value);

            case Dictionary<string, object?> mapping when FindTransformKey(mapping, file, path) is { } key:
                return TryApplyTransform(key, mapping[key], file, path, out value, out valueFile);

            default:
                value = node;
                return true;
        }
    }

    public static string ChildPath(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string ItemPath(string path, int index) => $"{path}[{index.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>
    /// Replaces every <c>${VAR}</c> with the variable's value and every <c>$${VAR}</c> with the literal
    /// <c>${VAR}</c>. Returns <see langword="false"/> if any variable is unset, because Backstage then
    /// makes the whole string undefined.
    /// </summary>
    private bool TrySubstitute(string text, out object? value)
    {
        var anyUnset = false;
        var result = Placeholder().Replace(text, match =>
        {
            if (match.Value.StartsWith("$$", StringComparison.Ordinal))
            {
                return match.Value[1..];
            }

            var variable = LookUpVariable(match.Value[2..^1].Trim());
            anyUnset |= variable is null;
            return variable ?? "";
        });

        value = anyUnset ? null : result;
        return !anyUnset;
    }

    // Backstage's default lookup is process.env[name]?.trim(), and the same app-config file must
    // produce the same values here.
    private string? LookUpVariable(string name) => environment(name)?.Trim();

    /// <summary>
    /// Returns the transform key of a mapping such as <c>{ $env: NAME }</c>, or <see langword="null"/>
    /// for a plain mapping.
    /// </summary>
    private static string? FindTransformKey(Dictionary<string, object?> mapping, BackstageAppConfigFile file, string path)
    {
        string? transformKey = null;
        foreach (var key in mapping.Keys)
        {
            if (!key.StartsWith('$'))
            {
                continue;
            }

            if (key is not (EnvKey or FileKey or IncludeKey))
            {
                throw new StartupException(
                    $"Unknown key '{key}' at {Describe(path)} in '{file.Path}'. Backstage app-config supports only {EnvKey}, {FileKey} and {IncludeKey} as keys starting with '$'; remove or rename the key.");
            }

            transformKey = key;
        }

        if (transformKey is not null && mapping.Count != 1)
        {
            throw new StartupException(
                $"Invalid {transformKey} at {Describe(path)} in '{file.Path}': {transformKey} must be the only key in its mapping. Move the other keys elsewhere.");
        }

        return transformKey;
    }

    private bool TryApplyTransform(
        string key, object? argument, BackstageAppConfigFile file, string path, out object? value, out BackstageAppConfigFile valueFile)
    {
        valueFile = file;

        // Backstage substitutes ${VAR} in the argument too, as in { $file: ${SECRETS_DIR}/token }.
        if (argument is not string text)
        {
            throw new StartupException(
                $"Invalid {key} at {Describe(path)} in '{file.Path}': the value must be a string, such as {key}: {ExampleArgument(key)}.");
        }

        if (!TrySubstitute(text, out var substituted))
        {
            throw new StartupException(
                $"Invalid {key} at {Describe(path)} in '{file.Path}': '{text}' refers to an environment variable that is not set. Set the variable or change the value.");
        }

        var name = (string)substituted!;
        switch (key)
        {
            case EnvKey:
                value = LookUpVariable(name);
                return value is not null;

            case FileKey:
                // Backstage trims all trailing whitespace, not only the final newline.
                value = ReadReferencedFile(key, name, file, path).TrimEnd();
                return true;

            default:
                return TryInclude(name, file, path, out value, out valueFile);
        }
    }

    /// <summary>
    /// Parses the file named by <c>$include</c>, optionally picking a value inside it with
    /// <c>file.yaml#dotted.path</c>, and resolves the top of the result against the included file.
    /// </summary>
    private bool TryInclude(
        string reference, BackstageAppConfigFile file, string path, out object? value, out BackstageAppConfigFile valueFile)
    {
        var hash = reference.IndexOf('#', StringComparison.Ordinal);
        var includedPath = hash < 0 ? reference : reference[..hash];
        var dataPath = hash < 0 ? "" : reference[(hash + 1)..];

        var extension = Path.GetExtension(includedPath);
        var isJson = extension.Equals(".json", StringComparison.OrdinalIgnoreCase);
        var isYaml = extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase)
            || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase);
        if (!isJson && !isYaml)
        {
            throw new StartupException(
                $"Invalid {IncludeKey} at {Describe(path)} in '{file.Path}': '{includedPath}' must end in .yaml, .yml or .json, because the file type selects the parser.");
        }

        var fullPath = Path.GetFullPath(includedPath, file.Directory);
        if (file.IsInIncludeChain(fullPath))
        {
            throw new StartupException(
                $"Invalid {IncludeKey} at {Describe(path)} in '{file.Path}': '{fullPath}' includes itself, directly or through other files. Remove the loop.");
        }

        var text = ReadReferencedFile(IncludeKey, includedPath, file, path);
        var content = isJson
            ? BackstageAppConfigParser.ParseJson(text, fullPath)
            : BackstageAppConfigParser.ParseYaml(text, fullPath);

        if (dataPath.Length > 0)
        {
            var walked = "";
            foreach (var part in dataPath.Split('.'))
            {
                if (content is not Dictionary<string, object?> mapping)
                {
                    throw new StartupException(
                        $"Invalid {IncludeKey} at {Describe(path)} in '{file.Path}': the value at '{walked}' in '{fullPath}' is not a mapping, so '{dataPath}' cannot be selected.");
                }

                if (!mapping.TryGetValue(part, out content))
                {
                    value = null;
                    valueFile = file;
                    return false;
                }

                walked = ChildPath(walked, part);
            }
        }

        return TryResolveNode(content, new BackstageAppConfigFile(fullPath, file), path, out value, out valueFile);
    }

    private string ReadReferencedFile(string key, string referencedPath, BackstageAppConfigFile file, string path)
    {
        var fullPath = Path.GetFullPath(referencedPath, file.Directory);
        try
        {
            return readFile(fullPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException(
                $"Cannot read '{fullPath}', named by {key} at {Describe(path)} in '{file.Path}': {ex.Message} Relative paths are resolved against the directory of '{file.Path}'.");
        }
    }

    private static string Describe(string path) => path.Length == 0 ? "the top level" : $"'{path}'";

    private static string ExampleArgument(string key) => key switch
    {
        EnvKey => "SPACELIFT_API_KEY_SECRET",
        FileKey => "./secrets/spacelift-api-secret.txt",
        _ => "./spacelift.yaml",
    };

    [GeneratedRegex(@"\$?\$\{[^{}]*\}")]
    private static partial Regex Placeholder();
}
