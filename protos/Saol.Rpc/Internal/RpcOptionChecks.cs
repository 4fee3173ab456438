namespace Saol.Rpc.Internal;

/// <summary>Checks shared by the server and channel options.</summary>
internal static class RpcOptionChecks
{
    public static void CheckMessageSize(int? value, string name)
    {
        if (value is < 0)
        {
            throw new ArgumentException($"{name} must be null (no limit) or >= 0, not {value}.", name);
        }
    }

    public static void CheckRange(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentException($"{name} must be {min}..{max}, not {value}.", name);
        }
    }

    public static void CheckKeepAlive(TimeSpan delay, TimeSpan timeout)
    {
        if (delay <= TimeSpan.Zero && delay != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"KeepAlivePingDelay must be positive or infinite, not {delay}.", nameof(delay));
        }
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"KeepAlivePingTimeout must be positive or infinite, not {timeout}.", nameof(timeout));
        }
    }
}
