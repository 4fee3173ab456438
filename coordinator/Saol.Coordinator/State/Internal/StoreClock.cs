namespace Saol.Coordinator.State.Internal;

/// <summary>
/// The store's notion of now, in whole milliseconds: Redis keeps lease expiries as millisecond scores, and both
/// implementations must agree to the tick on what they return.
/// </summary>
internal sealed class StoreClock(TimeProvider timeProvider)
{
    public DateTimeOffset Now() => FromMilliseconds(ToMilliseconds(timeProvider.GetUtcNow()));

    public static long ToMilliseconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMilliseconds(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
}
