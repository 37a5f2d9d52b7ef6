using System.Buffers.Text;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using GraphQL;

namespace SpaceliftProxy.FakeSpacelift;

internal sealed record StackEdgeResult(FakeStack Node);

internal sealed record PageInfoResult(string? EndCursor, bool HasNextPage, bool HasPreviousPage);

internal sealed record StacksConnectionResult(IReadOnlyList<StackEdgeResult> Edges, PageInfoResult PageInfo);

/// <summary>
/// Filters, orders and pages stacks for <c>searchStacks</c>. A cursor contains the sort key and id of
/// the last stack of a page, so paging continues correctly after stacks are added or removed.
/// </summary>
internal static class StackSearch
{
    public const int MaxPageSize = 50;

    public static StacksConnectionResult EmptyPage { get; } = new([], new PageInfoResult(null, false, false));

    public static StacksConnectionResult Execute(IReadOnlyList<FakeStack> stacks, IDictionary<string, object?> input)
    {
        var first = input.TryGetValue("first", out var firstValue) && firstValue is not null
            ? Convert.ToInt32(firstValue, CultureInfo.InvariantCulture)
            : MaxPageSize;
        if (first < 1)
        {
            throw new ExecutionError($"invalid input: first must be at least 1, got {first}");
        }

        first = Math.Min(first, MaxPageSize);
        var order = ReadOrder(ValueOf(input, "orderBy") as IDictionary<string, object?>);
        var after = ValueOf(input, "after") as string;

        IEnumerable<FakeStack> matches = stacks;
        if (ValueOf(input, "fullTextSearch") is string { Length: > 0 } text)
        {
            matches = matches.Where(stack => MatchesText(stack, text));
        }

        foreach (var predicate in ReadList(ValueOf(input, "predicates")))
        {
            var filter = BuildPredicate(predicate as IDictionary<string, object?>);
            matches = matches.Where(filter);
        }

        var ordered = matches
            .Select(stack => (Key: order.KeyOf(stack), Stack: stack))
            .ToList();
        ordered.Sort((left, right) => order.Direction * Compare(left.Key, left.Stack.Id, right.Key, right.Stack.Id));

        if (after is not null)
        {
            var (cursorKey, cursorId) = DecodeCursor(after, order.Name);
            ordered = [.. ordered.Where(entry => order.Direction * Compare(entry.Key, entry.Stack.Id, cursorKey, cursorId) > 0)];
        }

        var page = ordered.Take(first).ToList();
        var endCursor = page.Count == 0 ? null : EncodeCursor(order.Name, page[^1].Key, page[^1].Stack.Id);
        return new StacksConnectionResult(
            [.. page.Select(entry => new StackEdgeResult(entry.Stack))],
            new PageInfoResult(endCursor, ordered.Count > page.Count, after is not null));
    }

    private static int Compare(string leftKey, string leftId, string rightKey, string rightId)
    {
        var byKey = string.CompareOrdinal(leftKey, rightKey);
        return byKey != 0 ? byKey : string.CompareOrdinal(leftId, rightId);
    }

    private static SortOrder ReadOrder(IDictionary<string, object?>? orderBy)
    {
        var field = ValueOf(orderBy, "field") as string ?? "id";
        Func<FakeStack, string> key = field switch
        {
            "id" => stack => "",
            "name" => stack => stack.Name,
            "state" => stack => stack.State,

            // Zero-padding makes the ordinal order of the text the numeric order.
            "createdAt" => stack => stack.CreatedAt.ToString("D20", CultureInfo.InvariantCulture),
            _ => throw new ExecutionError($"invalid input: cannot order stacks by \"{field}\"; use id, name, state or createdAt"),
        };
        var descending = ValueOf(orderBy, "direction") as string == "DESC";
        return new SortOrder($"{field}:{(descending ? "DESC" : "ASC")}", key, descending ? -1 : 1);
    }

    private static bool MatchesText(FakeStack stack, string text) =>
        stack.Id.Contains(text, StringComparison.OrdinalIgnoreCase)
        || stack.Name.Contains(text, StringComparison.OrdinalIgnoreCase)
        || (stack.Description?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
        || stack.Labels.Any(label => label.Contains(text, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Builds a filter from a <c>QueryPredicate</c>. Values within one constraint are alternatives;
    /// separate predicates must all hold. <c>stringMatches</c> compares case-insensitively and treats
    /// <c>*</c> as a wildcard.
    /// </summary>
    private static Func<FakeStack, bool> BuildPredicate(IDictionary<string, object?>? predicate)
    {
        var field = ValueOf(predicate, "field") as string
            ?? throw new ExecutionError("invalid input: a predicate has no field");
        var constraint = ValueOf(predicate, "constraint") as IDictionary<string, object?>
            ?? throw new ExecutionError($"invalid input: predicate on \"{field}\" has no constraint");
        var exclude = ValueOf(predicate, "exclude") is true;
        Func<FakeStack, IEnumerable<string>> values = field switch
        {
            "id" => stack => [stack.Id],
            "name" => stack => [stack.Name],
            "label" or "labels" => stack => stack.Labels,
            "state" => stack => [stack.State],
            "space" => stack => [stack.Space],
            "branch" => stack => [stack.Branch],
            "repository" => stack => [stack.Repository],
            "provider" => stack => [stack.Provider],
            "isDisabled" => stack => [FormatBoolean(stack.IsDisabled)],
            "isDrifted" => stack => stack.IsDrifted is { } drifted ? [FormatBoolean(drifted)] : [],
            "locked" => stack => [FormatBoolean(stack.LockedBy is not null)],
            _ => throw new ExecutionError($"invalid input: cannot filter stacks by \"{field}\""),
        };

        var tests = new List<Func<string, bool>>();
        foreach (var pattern in ReadList(ValueOf(constraint, "stringMatches")).OfType<string>())
        {
            var regex = new Regex(
                "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            tests.Add(regex.IsMatch);
        }

        foreach (var name in ReadList(ValueOf(constraint, "enumEquals")).OfType<string>())
        {
            tests.Add(value => value == name);
        }

        foreach (var expected in ReadList(ValueOf(constraint, "booleanEquals")).OfType<bool>())
        {
            var text = FormatBoolean(expected);
            tests.Add(value => value == text);
        }

        if (tests.Count == 0)
        {
            throw new ExecutionError($"invalid input: predicate on \"{field}\" has an empty constraint");
        }

        return stack => values(stack).Any(value => tests.Any(test => test(value))) != exclude;
    }

    private static object? ValueOf(IDictionary<string, object?>? input, string key) =>
        input is not null && input.TryGetValue(key, out var value) ? value : null;

    private static IEnumerable<object?> ReadList(object? value) =>
        value is IEnumerable list and not string ? list.Cast<object?>() : [];

    private static string FormatBoolean(bool value) => value ? "true" : "false";

    private static string EncodeCursor(string order, string key, string id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{order}\n{key}\n{id}"));

    private static (string Key, string Id) DecodeCursor(string cursor, string order)
    {
        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('\n');
        }
        catch (FormatException)
        {
            throw new ExecutionError("invalid cursor");
        }

        // A cursor from a differently ordered search would resume at a meaningless position.
        if (parts.Length != 3 || parts[0] != order)
        {
            throw new ExecutionError("invalid cursor");
        }

        return (parts[1], parts[2]);
    }

    private sealed record SortOrder(string Name, Func<FakeStack, string> KeyOf, int Direction);
}
