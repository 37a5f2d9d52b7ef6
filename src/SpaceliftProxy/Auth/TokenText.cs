namespace SpaceliftProxy.Auth;

/// <summary>Puts values taken from a caller's token into messages safely.</summary>
internal static class TokenText
{
    private const int MaxEchoedLength = 100;

    /// <summary>
    /// Shortens a value taken from a token and replaces its control characters before it goes into
    /// a message, so a crafted token cannot forge lines in the log or bloat the answer.
    /// </summary>
    public static string Echo(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var shortened = value.Length <= MaxEchoedLength ? value : value[..MaxEchoedLength] + "…";

        return string.Create(shortened.Length, shortened, (span, text) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                span[i] = char.IsControl(text[i]) ? '?' : text[i];
            }
        });
    }
}
