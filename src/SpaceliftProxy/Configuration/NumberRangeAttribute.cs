using System.ComponentModel.DataAnnotations;

namespace SpaceliftProxy.Configuration;

/// <summary>
/// Checks that a numeric setting lies between two values, both included, and reports
/// <see cref="ValidationAttribute.ErrorMessage"/> as written, for the reason given on
/// <see cref="TimeSpanRangeAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class NumberRangeAttribute(double minimum, double maximum) : ValidationAttribute
{
    public double Minimum { get; } = minimum;

    public double Maximum { get; } = maximum;

    public override bool IsValid(object? value) => value switch
    {
        int number => number >= Minimum && number <= Maximum,
        double number => number >= Minimum && number <= Maximum,
        _ => true,
    };
}
