using System.Reflection;
using System.Text.Json;
using GraphQL;
using GraphQL.SystemTextJson;
using GraphQL.Types;
using GraphQL.Validation;
using GraphQL.Validation.Errors;
using GraphQLParser;
using GraphQLParser.AST;
using SpaceliftProxy.FakeSpacelift;
using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Tests.Spacelift;

/// <summary>
/// Every operation the service sends is valid against the schema file, as a spec-strict server
/// such as Spacelift's would judge it.
/// </summary>
public sealed class OperationDocumentTests
{
    private static readonly Lazy<ISchema> Schema = new(() =>
    {
        // Validation never resolves the union, but GraphQL.NET insists on a resolver to build it.
        var schema = GraphQL.Types.Schema.For(GraphQLOperation.LoadSchema(), builder => builder.Types.For("StackConfigVendor").ResolveType = _ => null!);
        schema.Initialize();

        return schema;
    });

    public static IEnumerable<string> OperationNames() => GraphQLOperation.EmbeddedNames().Order();

    [Test]
    public void Operations_AllEmbedded_AreFound() =>
        Assert.That(OperationNames().Count(), Is.GreaterThanOrEqualTo(10));

    [TestCaseSource(nameof(OperationNames))]
    public async Task Operation_ValidAgainstSchema(string name)
    {
        var operation = GraphQLOperation.Load(name);

        var errors = await ValidateAsync(operation.Document);

        Assert.That(errors, Is.Empty);
    }

    public static IEnumerable<TestCaseData> VariablesAsSent()
    {
        // The variable records the client sends, serialised as the transport does.
        yield return Case(SpaceliftOperations.ExchangeApiKey, new ExchangeApiKeyVariables("01HQDEMO0KEY0000000000000A", "secret"));
        yield return Case(SpaceliftOperations.GetViewer, NoVariables.Instance);
        yield return Case(SpaceliftOperations.ListStacks, NoVariables.Instance);
        yield return Case(SpaceliftOperations.SearchStacks, new SearchStacksVariables(new SearchInput(50, null)));
        yield return Case(SpaceliftOperations.SearchStacks, new SearchStacksVariables(new SearchInput(50, "cursor")));
        yield return Case(SpaceliftOperations.GetStack, new StackVariables("stack"));
        yield return Case(SpaceliftOperations.ListRuns, new RunsVariables("stack", null));
        yield return Case(SpaceliftOperations.ListRuns, new RunsVariables("stack", "01HQ"));
        yield return Case(SpaceliftOperations.GetRun, new RunVariables("stack", "01HQ"));
        yield return Case(SpaceliftOperations.TriggerRun, new TriggerRunVariables("stack", null, null));
        yield return Case(SpaceliftOperations.TriggerRun, new TriggerRunVariables("stack", "abc123", "PROPOSED"));
        yield return Case(SpaceliftOperations.ConfirmRun, new RunVariables("stack", "01HQ"));
        yield return Case(SpaceliftOperations.DiscardRun, new RunVariables("stack", "01HQ"));

        static TestCaseData Case<T>(GraphQLOperation operation, T variables) =>
            new TestCaseData(operation.Name, JsonSerializer.Serialize(variables, SpaceliftTransport.SerializerOptions))
                .SetArgDisplayNames(operation.Name, JsonSerializer.Serialize(variables, SpaceliftTransport.SerializerOptions));
    }

    [TestCaseSource(nameof(VariablesAsSent))]
    public async Task Operation_AcceptsItsVariableRecord(string name, string variablesJson)
    {
        var variables = new GraphQLSerializer().Deserialize<Inputs>(variablesJson);

        var errors = await ValidateAsync(GraphQLOperation.Load(name).Document, variables);

        Assert.That(errors, Is.Empty);
    }

    [TestCaseSource(nameof(OperationNames))]
    public void Operation_NameMatchesFileName(string name)
    {
        var document = Parser.Parse(GraphQLOperation.Load(name).Document);

        var operations = document.Definitions.OfType<GraphQLOperationDefinition>().ToArray();

        Assert.That(operations, Has.Length.EqualTo(1));
        Assert.That(operations[0].Name?.StringValue, Is.EqualTo(name));
    }

    [Test]
    public void Operations_EveryFileHasATypedField()
    {
        var declared = typeof(SpaceliftOperations)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => ((GraphQLOperation)field.GetValue(null)!).Name);

        Assert.That(declared, Is.EquivalentTo(OperationNames()));
    }

    [Test]
    public async Task Validation_MisspeltField_Fails()
    {
        var errors = await ValidateAsync("query Broken { stacks { id nmae } }");

        Assert.That(errors, Has.Some.Contains("nmae"));
    }

    [Test]
    public async Task Validation_WrongVariableType_Fails()
    {
        var errors = await ValidateAsync("query Broken($id: Int!) { stack(id: $id) { id } }");

        Assert.That(errors, Is.Not.Empty);
    }

    /// <summary>
    /// Validates a document; without variables, checks only the document, since values are the
    /// caller's part.
    /// </summary>
    private static async Task<IReadOnlyList<string>> ValidateAsync(string document, Inputs? variables = null)
    {
        var parsed = Parser.Parse(document);
        var result = await new DocumentValidator().ValidateAsync(new ValidationOptions
        {
            Schema = Schema.Value,
            Document = parsed,
            Rules = StrictVariablesInAllowedPosition.Rules,
            Variables = variables ?? Inputs.Empty,
            Extensions = Inputs.Empty,
            Operation = parsed.Definitions.OfType<GraphQLOperationDefinition>().First(),
        });

        return result.Errors
            .Where(error => variables is not null || error is not InvalidVariableError)
            .Select(error => error.Message)
            .ToArray();
    }
}
