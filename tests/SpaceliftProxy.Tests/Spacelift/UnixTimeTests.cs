using SpaceliftProxy.Spacelift;

namespace SpaceliftProxy.Tests.Spacelift;

/// <summary>Spacelift timestamps in seconds, milliseconds or nanoseconds all become the same UTC time.</summary>
public sealed class UnixTimeTests
{
    private static readonly DateTime Expected = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    [TestCase(1_767_268_800L)]
    [TestCase(1_767_268_800_000L)]
    [TestCase(1_767_268_800_000_000_000L)]
    public void ToUtc_AnyUnit_SameTime(long value)
    {
        var time = UnixTime.ToUtc(value);

        Assert.That(time, Is.EqualTo(Expected));
        Assert.That(time!.Value.Kind, Is.EqualTo(DateTimeKind.Utc));
    }

    [Test]
    public void ToUtc_AtMillisecondThreshold_SecondsPastMaxDate() =>
        Assert.That(UnixTime.ToUtc(UnixTime.MillisecondsAbove), Is.Null, "1e12 seconds is after DateTime.MaxValue");

    [Test]
    public void ToUtc_AboveMillisecondThreshold_Milliseconds() =>
        Assert.That(UnixTime.ToUtc(UnixTime.MillisecondsAbove + 1), Is.EqualTo(new DateTime(2001, 9, 9, 1, 46, 40, 1, DateTimeKind.Utc)));

    [Test]
    public void ToUtc_AboveNanosecondThreshold_Nanoseconds() =>
        Assert.That(UnixTime.ToUtc(UnixTime.NanosecondsAbove + 1000), Is.EqualTo(new DateTime(1970, 1, 12, 13, 46, 40, DateTimeKind.Utc).AddTicks(10)));

    [TestCase(null)]
    [TestCase(0L)]
    [TestCase(-5L)]
    public void ToUtc_MissingOrNotPositive_Null(long? value) =>
        Assert.That(UnixTime.ToUtc(value), Is.Null);

    [Test]
    public void ToUtc_MillisecondsPastMaxDate_Null() =>
        Assert.That(UnixTime.ToUtc(900_000_000_000_000), Is.Null);

    [Test]
    public void ToUtc_LargestLong_ReadAsNanoseconds() =>
        Assert.That(UnixTime.ToUtc(long.MaxValue)!.Value.Year, Is.EqualTo(2262));
}
