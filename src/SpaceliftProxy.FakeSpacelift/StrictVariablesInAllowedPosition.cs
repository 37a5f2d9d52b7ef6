using GraphQL.Types;
using GraphQL.Validation;
using GraphQL.Validation.Errors;
using GraphQL.Validation.Rules;
using GraphQLParser.AST;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>
/// The spec's "All Variable Usages Are Allowed" rule, replacing GraphQL.NET's
/// <see cref="VariablesInAllowedPosition"/>. In GraphQL.NET 8.8 that rule compares wrapper types
/// with <c>GraphType.Equals</c>, which compares names; wrappers have no name, so any two non-null
/// types count as equal and <c>$id: Int!</c> passes where <c>ID!</c> is expected. A spec-strict
/// server such as Spacelift's rejects that.
/// </summary>
internal sealed class StrictVariablesInAllowedPosition : ValidationRuleBase
{
    public static StrictVariablesInAllowedPosition Instance { get; } = new();

    /// <summary>The core rules with GraphQL.NET's variable position rule swapped for this one.</summary>
    public static IReadOnlyList<IValidationRule> Rules { get; } =
    [
        .. DocumentValidator.CoreRules.Where(rule => rule is not VariablesInAllowedPosition),
        Instance,
    ];

    private static readonly INodeVisitor Visitor = new MatchingNodeVisitor<GraphQLOperationDefinition>(leave: CheckOperation);

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context) => new(Visitor);

    private static void CheckOperation(GraphQLOperationDefinition operation, ValidationContext context)
    {
        var definitions = (operation.Variables?.Items ?? [])
            .GroupBy(definition => definition.Variable.Name.StringValue, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.First(), StringComparer.Ordinal);

        foreach (var usage in context.GetRecursiveVariables(operation) ?? [])
        {
            // Undefined variables and unknown types are reported by other core rules.
            if (!definitions.TryGetValue(usage.Node.Name.StringValue, out var definition) || usage.Type is null)
            {
                continue;
            }

            var variableType = definition.Type.GraphTypeFromType(context.Schema);
            if (variableType is not null && !IsUsageAllowed(definition, variableType, usage))
            {
                context.ReportError(new VariablesInAllowedPositionError(context, definition, variableType, usage));
            }
        }
    }

    private static bool IsUsageAllowed(GraphQLVariableDefinition definition, IGraphType variableType, VariableUsage usage)
    {
        var locationIsNonNull = usage.Type is NonNullGraphType || usage.IsRequired;
        if (locationIsNonNull && variableType is not NonNullGraphType)
        {
            // A nullable variable may fill a non-null position only when a default value replaces a missing value.
            if (definition.DefaultValue is null && !usage.HasDefault)
            {
                return false;
            }

            var nullableLocation = usage.Type is NonNullGraphType nonNull ? nonNull.ResolvedType! : usage.Type;
            return AreTypesCompatible(variableType, nullableLocation);
        }

        return AreTypesCompatible(variableType, usage.Type);
    }

    private static bool AreTypesCompatible(IGraphType variableType, IGraphType locationType)
    {
        if (locationType is NonNullGraphType nonNullLocation)
        {
            return variableType is NonNullGraphType nonNullVariable
                && AreTypesCompatible(nonNullVariable.ResolvedType!, nonNullLocation.ResolvedType!);
        }

        if (variableType is NonNullGraphType nonNullVariableOnly)
        {
            return AreTypesCompatible(nonNullVariableOnly.ResolvedType!, locationType);
        }

        if (locationType is ListGraphType listLocation)
        {
            return variableType is ListGraphType listVariable
                && AreTypesCompatible(listVariable.ResolvedType!, listLocation.ResolvedType!);
        }

        return variableType is not ListGraphType
            && variableType.Name is not null
            && string.Equals(variableType.Name, locationType.Name, StringComparison.Ordinal);
    }
}
