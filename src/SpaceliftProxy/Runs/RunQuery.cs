using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using SpaceliftProxy.Stacks;

namespace SpaceliftProxy.Runs;

/// <summary>Checks the query parameters of the run routes before anything is sent to Spacelift.</summary>
internal static class RunQuery
{
    /// <summary>
    /// Reads a whole number between <paramref name="min"/> and <paramref name="max"/>, or
    /// <paramref name="defaultValue"/> when the parameter is absent. Returns false with the reason otherwise.
    /// </summary>
    public static bool TryParseCount(
        string? text, string parameter, int min, int max, int defaultValue, out int value, [NotNullWhen(false)] out string? error)
    {
        value = defaultValue;
        error = null;
        if (text is null)
        {
            return true;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            error = $"The query parameter '{parameter}' must be a whole number from {min} to {max}; got '{text}'.";
            return false;
        }

        if (number < min || number > max)
        {
            error = $"The query parameter '{parameter}' must be from {min} to {max}; got {number}.";
            return false;
        }

        value = number;

        return true;
    }

    /// <summary>Returns why a <c>before</c> cursor is invalid, or null when it is absent or valid.</summary>
    public static string? ValidateBefore(string? before) =>
        before is null ? null : StackRouteValues.Validate(before, "run id in 'before'");
}
