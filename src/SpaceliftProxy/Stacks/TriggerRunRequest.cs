using System.Text;
using System.Text.Json;

namespace SpaceliftProxy.Stacks;

/// <summary>
/// The optional JSON body of a trigger. Without a body, Spacelift runs a tracked run on the stack's
/// tracked commit. The official frontend sends no body.
/// </summary>
/// <param name="CommitSha">
/// The commit to run: 7 to 40 hexadecimal characters, an abbreviated or full Git SHA-1, sent in
/// lower case. Null for the stack's tracked commit.
/// </param>
/// <param name="RunType"><c>TRACKED</c> (deploys) or <c>PROPOSED</c> (plans only). Null means <c>TRACKED</c>.</param>
internal sealed record TriggerRunRequest(string? CommitSha, string? RunType)
{
    /// <summary>Largest body read. A valid body is well under 200 bytes.</summary>
    public const int MaxBodyBytes = 4096;

    public const int MinShaLength = 7;
    public const int MaxShaLength = 40;

    public static readonly IReadOnlyList<string> RunTypes = ["TRACKED", "PROPOSED"];

    private const string Expected = "Expected no body, or JSON such as {\"commitSha\": \"4b825dc\", \"runType\": \"PROPOSED\"}.";

    public static readonly TriggerRunRequest None = new(CommitSha: null, RunType: null);

    /// <summary>
    /// Reads and checks the body. Returns <see cref="None"/> for an empty body, the request for a
    /// valid one, and otherwise an error message that names the problem.
    /// </summary>
    public static async Task<(TriggerRunRequest? Request, string? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength == 0)
        {
            return (None, null);
        }

        var body = await ReadBodyAsync(request.Body, cancellationToken);
        if (body is null)
        {
            return (null, $"The trigger body is larger than {MaxBodyBytes} bytes. {Expected}");
        }

        if (string.IsNullOrWhiteSpace(body))
        {
            return (None, null);
        }

        if (!request.HasJsonContentType())
        {
            var contentType = string.IsNullOrEmpty(request.ContentType) ? "no content type" : $"content type '{request.ContentType}'";

            return (null, $"The trigger body must be sent with Content-Type: application/json, not {contentType}. {Expected}");
        }

        return Parse(body);
    }

    /// <summary>Parses and checks a JSON body. Members are matched by their exact camelCase names.</summary>
    public static (TriggerRunRequest? Request, string? Error) Parse(string json)
    {
        JsonDocument document;
        try
        {
            // A member given twice is ambiguous, so it is an error rather than the last one winning.
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            return (null, $"The trigger body is not valid JSON: {ex.Message} {Expected}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                return (None, null);
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, $"The trigger body must be a JSON object, not {Describe(root.ValueKind)}. {Expected}");
            }

            string? commitSha = null;
            string? runType = null;
            foreach (var member in root.EnumerateObject())
            {
                if (member.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                {
                    return (null, $"The trigger body member '{member.Name}' must be a string, not {Describe(member.Value.ValueKind)}.");
                }

                switch (member.Name)
                {
                    case "commitSha":
                        commitSha = member.Value.GetString();
                        break;
                    case "runType":
                        runType = member.Value.GetString();
                        break;
                    default:
                        return (null, $"The trigger body has an unknown member '{Shorten(member.Name)}'; only 'commitSha' and 'runType' are accepted.");
                }
            }

            return Validate(commitSha, runType);
        }
    }

    private static (TriggerRunRequest? Request, string? Error) Validate(string? commitSha, string? runType)
    {
        if (commitSha is not null && !IsSha(commitSha))
        {
            return (null, $"commitSha must be a Git commit SHA of {MinShaLength} to {MaxShaLength} hexadecimal characters; got '{Shorten(commitSha)}'. Leave it out to run the tracked commit.");
        }

        if (runType is not null && !RunTypes.Contains(runType, StringComparer.Ordinal))
        {
            return (null, $"runType must be TRACKED or PROPOSED; got '{Shorten(runType)}'. Leave it out for a tracked run.");
        }

        return (new TriggerRunRequest(commitSha?.ToLowerInvariant(), runType), null);
    }

    private static bool IsSha(string value) =>
        value.Length is >= MinShaLength and <= MaxShaLength && value.All(char.IsAsciiHexDigit);

    /// <summary>Returns the body as text, or null when it is larger than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<string?> ReadBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return length > MaxBodyBytes ? null : Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.String => "a string",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
