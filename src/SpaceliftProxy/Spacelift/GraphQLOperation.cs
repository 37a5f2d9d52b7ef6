using System.Reflection;

namespace SpaceliftProxy.Spacelift;

/// <summary>One GraphQL operation document, loaded from an embedded <c>.graphql</c> file.</summary>
internal sealed record GraphQLOperation(string Name, string Document, bool IsMutation)
{
    private const string ResourcePrefix = "SpaceliftProxy.Spacelift.Operations.";

    /// <summary>Loads <c>Operations/{name}.graphql</c>; the file's operation must carry the same name.</summary>
    public static GraphQLOperation Load(string name)
    {
        var document = ReadResource(ResourcePrefix + name + ".graphql");
        var trimmed = document.TrimStart();
        var isMutation = trimmed.StartsWith("mutation ", StringComparison.Ordinal);
        var isQuery = trimmed.StartsWith("query ", StringComparison.Ordinal);
        if (!isMutation && !isQuery)
        {
            throw new InvalidOperationException($"Operations/{name}.graphql must start with 'query {name}' or 'mutation {name}'.");
        }

        return new GraphQLOperation(name, document, isMutation);
    }

    /// <summary>Reads the schema file the operations are written against.</summary>
    public static string LoadSchema() => ReadResource("SpaceliftProxy.Spacelift.Schema.spacelift.graphql");

    /// <summary>Names of every embedded operation document.</summary>
    public static IEnumerable<string> EmbeddedNames() =>
        typeof(GraphQLOperation).Assembly.GetManifestResourceNames()
            .Where(resource => resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(resource => resource[ResourcePrefix.Length..^".graphql".Length]);

    private static string ReadResource(string resourceName)
    {
        var assembly = Assembly.GetExecutingAssembly();
        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{resourceName}' is missing from the build.");
        using var reader = new StreamReader(stream);

        return reader.ReadToEnd();
    }
}

/// <summary>The operations this service sends to Spacelift.</summary>
internal static class SpaceliftOperations
{
    public static readonly GraphQLOperation ExchangeApiKey = GraphQLOperation.Load(nameof(ExchangeApiKey));
    public static readonly GraphQLOperation GetViewer = GraphQLOperation.Load(nameof(GetViewer));
    public static readonly GraphQLOperation ListStacks = GraphQLOperation.Load(nameof(ListStacks));
    public static readonly GraphQLOperation SearchStacks = GraphQLOperation.Load(nameof(SearchStacks));
    public static readonly GraphQLOperation GetStack = GraphQLOperation.Load(nameof(GetStack));
    public static readonly GraphQLOperation ListRuns = GraphQLOperation.Load(nameof(ListRuns));
    public static readonly GraphQLOperation GetRun = GraphQLOperation.Load(nameof(GetRun));
    public static readonly GraphQLOperation TriggerRun = GraphQLOperation.Load(nameof(TriggerRun));
    public static readonly GraphQLOperation ConfirmRun = GraphQLOperation.Load(nameof(ConfirmRun));
    public static readonly GraphQLOperation DiscardRun = GraphQLOperation.Load(nameof(DiscardRun));
}
