using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace SpaceliftProxy.Configuration;

/// <summary>
/// Checks that a <see cref="TimeSpan"/> setting lies between two values, both included, and reports
/// <see cref="ValidationAttribute.ErrorMessage"/> as written. <see cref="RangeAttribute"/> is not used
/// because the options validator source generator (.NET 10) swaps it for a copy that ignores
/// <c>ErrorMessage</c> and prints "The field CacheOptions.StacksTtl must be between ...", which does
/// not name the setting the way operators write it.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class TimeSpanRangeAttribute(string minimum, string maximum) : ValidationAttribute
{
    /// <summary>Smallest valid value, parsed from the constructor's invariant-culture text.</summary>
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    /// <summary>Largest valid value, parsed from the constructor's invariant-culture text.</summary>
    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    public override bool IsValid(object? value) => value is not TimeSpan span || (span >= Minimum && span <= Maximum);
}
