namespace SpaceliftProxy.Tests.Infrastructure;

/// <summary>
/// The system clock moved by an offset that a test sets. Timers keep real time, so code that waits
/// on them still runs, while code that reads the time sees the jump.
/// </summary>
public sealed class AdjustableTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan delta) => Interlocked.Add(ref _offsetTicks, delta.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
