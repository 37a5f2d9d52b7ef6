using System.Text.Json.Nodes;

namespace SpaceliftProxy.FakeSpacelift;

/// <summary>
/// Turns a serialised GraphQL response into a partial one: one field of the first item is set to
/// null and an <c>internal error</c> with that field's path is added, as Spacelift does when a
/// single resolver fails.
/// </summary>
internal static class PartialDataFault
{
    public const string Message = "internal error";

    /// <summary>
    /// Returns the changed JSON. The nulled field is the first item's <c>description</c> when it
    /// has one (<c>stacks[0].description</c>), the first connection node for <c>searchStacks</c>,
    /// else the first field other than <c>id</c> found by descending into the first list item.
    /// </summary>
    public static string Apply(string json)
    {
        if (JsonNode.Parse(json) is not JsonObject response || response["data"] is not JsonObject data || data.Count == 0)
        {
            return json;
        }

        var rootField = data.First().Key;
        var path = new JsonArray(rootField);
        JsonNode container = data;
        object key = rootField;
        var current = data[rootField];

        while (true)
        {
            if (current is JsonArray { Count: > 0 } list)
            {
                (container, key, current) = (list, 0, list[0]);
                path.Add(0);
                continue;
            }

            if (current is not JsonObject item)
            {
                break;
            }

            var next = PickField(item);
            if (next is null)
            {
                break;
            }

            (container, key, current) = (item, next, item[next]);
            path.Add(next);
            if (current is not JsonArray { Count: > 0 })
            {
                break;
            }
        }

        if (key is int index)
        {
            container.AsArray()[index] = null;
        }
        else
        {
            container.AsObject()[(string)key] = null;
        }

        if (response["errors"] is not JsonArray errors)
        {
            errors = [];
            response["errors"] = errors;
        }

        errors.Add(new JsonObject { ["message"] = Message, ["path"] = path });
        return response.ToJsonString();
    }

    private static string? PickField(JsonObject item)
    {
        if (item.ContainsKey("description"))
        {
            return "description";
        }

        if (item.ContainsKey("node"))
        {
            return "node";
        }

        var list = item.FirstOrDefault(property => property.Value is JsonArray { Count: > 0 });
        if (list.Key is not null)
        {
            return list.Key;
        }

        var field = item.FirstOrDefault(property => property.Key is not "id" and not "__typename");
        return field.Key;
    }
}
