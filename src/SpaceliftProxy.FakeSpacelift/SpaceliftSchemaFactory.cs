using System.Text.RegularExpressions;
using GraphQL.Resolvers;
using GraphQL.Types;
using GraphQL.Utilities;
using GraphQLParser;
using GraphQLParser.AST;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>Builds the executable schema from the service's own SDL file, embedded in this assembly.</summary>
internal static partial class SpaceliftSchemaFactory
{
    public const string ResourceName = "SpaceliftProxy.FakeSpacelift.spacelift.graphql";

    private const string VendorUnion = "StackConfigVendor";

    public static string LoadSdl()
    {
        using var stream = typeof(SpaceliftSchemaFactory).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{ResourceName}' is missing; check the EmbeddedResource item in the project file.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static Schema Create(SpaceliftResolvers resolvers, IReadOnlyList<string> extraStackStates)
    {
        var sdl = LoadSdl();
        var document = Parser.Parse(sdl, new ParserOptions { Ignore = IgnoreOptions.Comments });
        ValidateExtraStates(document, extraStackStates);

        // Fields configured below get explicit resolvers. Every other field is left to GraphQL.NET's
        // default resolver, which reads the source object's property of the same name.
        var builder = new EnumExtendingSchemaBuilder(new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["StackState"] = extraStackStates,
        });

        ConfigureRootFields(builder, resolvers);
        ConfigureStackFields(builder, resolvers);
        ConfigureVendorUnion(builder, document);

        var schema = builder.Build(sdl);
        schema.RegisterType(new SpaceliftIntGraphType());

        // Initialising now reports schema problems when the server starts instead of on the first request.
        schema.Initialize();
        return schema;
    }

    private static void ConfigureRootFields(SchemaBuilder builder, SpaceliftResolvers resolvers)
    {
        var query = builder.Types.For("Query");
        query.FieldFor("stacks").Resolver = Root(resolvers.Stacks);
        query.FieldFor("searchStacks").Resolver = Root(resolvers.SearchStacks);
        query.FieldFor("stack").Resolver = Root(resolvers.Stack);
        query.FieldFor("viewer").Resolver = Root(SpaceliftResolvers.Viewer);

        var mutation = builder.Types.For("Mutation");
        mutation.FieldFor("apiKeyUser").Resolver = Root(resolvers.ApiKeyUser);
        mutation.FieldFor("runTrigger").Resolver = Root(resolvers.RunTrigger);
        mutation.FieldFor("runConfirm").Resolver = Root(context => resolvers.ResolveConfirmation(context, confirm: true));
        mutation.FieldFor("runDiscard").Resolver = Root(context => resolvers.ResolveConfirmation(context, confirm: false));
    }

    private static void ConfigureStackFields(SchemaBuilder builder, SpaceliftResolvers resolvers)
    {
        var stack = builder.Types.For("Stack");
        stack.FieldFor("runs").Resolver = Field(resolvers.StackRuns);
        stack.FieldFor("run").Resolver = Field(resolvers.StackRun);
        stack.FieldFor("blocker").Resolver = Field(resolvers.StackBlocker);
        stack.FieldFor("spaceDetails").Resolver = Field(resolvers.StackSpaceDetails);
    }

    /// <summary>
    /// Resolves each union member from <see cref="FakeVendorConfig.TypeName"/> and its fields from
    /// <see cref="FakeVendorConfig.Fields"/>, reading the member types from the SDL so a new vendor
    /// type in the schema file needs no code here.
    /// </summary>
    private static void ConfigureVendorUnion(SchemaBuilder builder, GraphQLDocument document)
    {
        var union = document.Definitions.OfType<GraphQLUnionTypeDefinition>().Single(definition => definition.Name.StringValue == VendorUnion);
        foreach (var member in union.Types?.Items ?? [])
        {
            var typeName = member.Name.StringValue;
            var typeConfig = builder.Types.For(typeName);

            // GraphQL.NET resolves a union without ResolveType by asking each member's IsTypeOf.
            typeConfig.IsTypeOfFunc = source => source is FakeVendorConfig config && config.TypeName == typeName;

            var definition = document.Definitions.OfType<GraphQLObjectTypeDefinition>().Single(candidate => candidate.Name.StringValue == typeName);
            foreach (var field in definition.Fields?.Items ?? [])
            {
                var fieldName = field.Name.StringValue;
                typeConfig.FieldFor(fieldName).Resolver = Field(context => ((FakeVendorConfig)context.Source!).Fields.GetValueOrDefault(fieldName));
            }
        }
    }

    private static void ValidateExtraStates(GraphQLDocument document, IReadOnlyList<string> extraStackStates)
    {
        var stackState = document.Definitions.OfType<GraphQLEnumTypeDefinition>().Single(definition => definition.Name.StringValue == "StackState");
        var existing = (stackState.Values?.Items ?? []).Select(value => value.Name.StringValue).ToHashSet(StringComparer.Ordinal);
        foreach (var name in extraStackStates)
        {
            if (name is null || !EnumValueName().IsMatch(name) || name is "true" or "false" or "null")
            {
                throw new ArgumentException($"Extra stack state '{name}' is not a valid GraphQL enum value name.", nameof(extraStackStates));
            }

            if (!existing.Add(name))
            {
                throw new ArgumentException($"Extra stack state '{name}' is already in the StackState enum or listed twice.", nameof(extraStackStates));
            }
        }
    }

    private static FuncFieldResolver<object?> Root(Func<GraphQL.IResolveFieldContext, object?> resolve) =>
        new(context =>
        {
            // The machine-session fault fails every root field of the matched operation, before authentication.
            if (FakeRequestState.From(context).MachineSessionGate)
            {
                throw new GraphQL.ExecutionError("not available for machine sessions");
            }

            return resolve(context);
        });

    private static FuncFieldResolver<object?> Field(Func<GraphQL.IResolveFieldContext, object?> resolve) => new(resolve);

    [GeneratedRegex("^[_A-Za-z][_0-9A-Za-z]*$")]
    private static partial Regex EnumValueName();

    /// <summary>
    /// The <c>Int</c> scalar as Spacelift serves it. Spacelift's GraphQL server is written in Go,
    /// where <c>Int</c> is 64 bits wide, so timestamps in milliseconds or nanoseconds fit.
    /// GraphQL.NET's own <c>Int</c> is 32 bits wide and fails such values with <c>internal error</c>.
    /// A scalar registered under the built-in name replaces the built-in one.
    /// </summary>
    private sealed class SpaceliftIntGraphType : LongGraphType
    {
        public SpaceliftIntGraphType()
        {
            Name = "Int";
        }
    }

    /// <summary>
    /// Adds values to enum types while the schema is built. GraphQL.NET 8's SchemaBuilder skips
    /// <c>extend enum</c> definitions without an error, so appending one to the SDL would not work.
    /// </summary>
    private sealed class EnumExtendingSchemaBuilder(IReadOnlyDictionary<string, IReadOnlyList<string>> extraValues) : SchemaBuilder
    {
        protected override EnumerationGraphType ToEnumerationType(GraphQLEnumTypeDefinition enumDef)
        {
            var type = base.ToEnumerationType(enumDef);
            foreach (var name in extraValues.GetValueOrDefault(type.Name) ?? [])
            {
                // Schema-first enum values are their own names, so the value serialises by name like the others.
                type.Add(new EnumValueDefinition(name, name));
            }

            return type;
        }
    }
}
