using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SpaceliftProxy.Configuration;

/// <summary>
/// Parses YAML and JSON config text into the tree that <see cref="BackstageAppConfigResolver"/> walks.
/// </summary>
/// <remarks>
/// The tree has four kinds of node: a mapping is a <see cref="Dictionary{TKey,TValue}"/> with
/// case-insensitive keys, a sequence is a <see cref="List{T}"/>, a scalar is its text as written
/// (<c>true</c>, <c>7007</c>), and YAML or JSON null is <see langword="null"/>. Keeping scalars as text
/// leaves type conversion to the .NET configuration binder, which reads every value from a string anyway.
/// </remarks>
internal static partial class BackstageAppConfigParser
{
    private const string NullTag = "tag:yaml.org,2002:null";
    private const string StringTag = "tag:yaml.org,2002:str";

    /// <summary>
    /// Parses one YAML document. Returns <see langword="null"/> for an empty file.
    /// </summary>
    /// <exception cref="StartupException">The text is not valid YAML or contains several documents.</exception>
    public static object? ParseYaml(string text, string file)
    {
        var stream = new YamlStream();
        var scanner = new Scanner(new StringReader(text));
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException ex)
        {
            throw InvalidYaml(file, ex.Start, StripPosition(ex.Message));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 16.3.0 throws this instead of YamlException for some malformed text, such as
            // a flow sequence left open before the next key. The scanner's position is where it stopped.
            throw InvalidYaml(file, scanner.CurrentPosition,
                "the text cannot be parsed here; look for an unclosed '[' or '{' or a missing quote above this point");
        }

        if (stream.Documents.Count > 1)
        {
            throw InvalidYaml(file, stream.Documents[1].RootNode.Start,
                "the file contains more than one YAML document, but a config file must contain exactly one");
        }

        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode, file);
    }

    /// <summary>Parses one JSON value.</summary>
    /// <exception cref="StartupException">The text is not valid JSON.</exception>
    public static object? ParseJson(string text, string file)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return Convert(document.RootElement);
        }
        catch (JsonException ex)
        {
            // JsonException counts lines and columns from zero.
            var line = (ex.LineNumber ?? 0) + 1;
            var column = (ex.BytePositionInLine ?? 0) + 1;
            throw new StartupException(
                $"Invalid JSON in '{file}' at line {line.ToString(CultureInfo.InvariantCulture)}, column {column.ToString(CultureInfo.InvariantCulture)}. Fix the file and start the service again.");
        }
    }

    private static object? Convert(YamlNode node, string file)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                return IsNull(scalar) ? null : scalar.Value ?? "";

            case YamlSequenceNode sequence:
                return sequence.Children.Select(child => Convert(child, file)).ToList();

            case YamlMappingNode mapping:
                var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode key)
                    {
                        throw InvalidYaml(file, keyNode.Start,
                            "a mapping key is a list or mapping, but config keys must be plain text");
                    }

                    result[key.Value ?? ""] = Convert(valueNode, file);
                }

                return result;

            default:
                throw InvalidYaml(file, node.Start, $"unsupported YAML node {node.NodeType}");
        }
    }

    private static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Aggregate(
            new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase),
            (result, property) =>
            {
                // Later duplicates win, as with JavaScript's JSON.parse.
                result[property.Name] = Convert(property.Value);
                return result;
            }),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Null => null,
        _ => element.GetRawText(),
    };

    /// <summary>
    /// Returns whether a scalar is null under the YAML 1.2 core schema, the default of the <c>yaml</c>
    /// npm package that Backstage parses app-config with. Only untagged plain <c>null</c>, <c>Null</c>,
    /// <c>NULL</c>, <c>~</c> and empty values are null, and quoted text never is.
    /// </summary>
    private static bool IsNull(YamlScalarNode scalar)
    {
        var tag = scalar.Tag.IsEmpty ? "" : scalar.Tag.Value;
        if (tag == NullTag)
        {
            return true;
        }

        if (tag == StringTag || scalar.Style != ScalarStyle.Plain)
        {
            return false;
        }

        return scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
    }

    private static StartupException InvalidYaml(string file, Mark position, string reason) =>
        new($"Invalid YAML in '{file}' at line {position.Line.ToString(CultureInfo.InvariantCulture)}, column {position.Column.ToString(CultureInfo.InvariantCulture)}: {reason}. Fix the file and start the service again.");

    /// <summary>
    /// Removes the "(Line: 1, Col: 2, Idx: 1) - (Line: …): " prefix that YamlDotNet puts on every
    /// message, because the service reports the position in its own words.
    /// </summary>
    private static string StripPosition(string message) => PositionPrefix().Replace(message, "").TrimEnd('.');

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex PositionPrefix();
}
