using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;

namespace SpaceliftProxy.Auth;

/// <summary>Reads the token from an <c>Authorization</c> header with the pattern Backstage uses.</summary>
internal static partial class BearerToken
{
    public const string MissingMessage = "Missing credentials: send a Backstage token as 'Authorization: Bearer <token>'.";

    /// <summary>
    /// Returns the token, or false with the reason when the request has no single header of the form
    /// <c>Bearer &lt;token&gt;</c>.
    /// </summary>
    public static bool TryRead(StringValues headers, [NotNullWhen(true)] out string? token, [NotNullWhen(false)] out string? problem)
    {
        token = null;
        if (headers.Count == 0)
        {
            problem = MissingMessage;
            return false;
        }

        if (headers.Count > 1)
        {
            problem = "Invalid credentials: the request has more than one Authorization header.";
            return false;
        }

        var match = Pattern().Match(headers[0] ?? "");
        if (!match.Success)
        {
            problem = "Invalid credentials: the Authorization header is not of the form 'Bearer <token>'.";
            return false;
        }

        token = match.Groups[1].Value;
        problem = null;

        return true;
    }

    // Backstage's /^Bearer[ ]+(\S+)$/i, with \z because .NET's $ also matches before a final newline.
    [GeneratedRegex(@"^Bearer[ ]+(\S+)\z", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
