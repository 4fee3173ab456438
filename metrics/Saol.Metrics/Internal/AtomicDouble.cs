using System.Runtime.CompilerServices;

namespace Saol.Metrics.Internal;

/// <summary>Lock-free addition on a double (Interlocked has no Add for doubles): compare-and-swap on its bits.</summary>
internal static class AtomicDouble
{
    public static void Add(ref double location, double amount)
    {
        ref var bits = ref Unsafe.As<double, long>(ref location);
        var current = Interlocked.Read(ref bits);
        while (true)
        {
            var next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(current) + amount);
            var seen = Interlocked.CompareExchange(ref bits, next, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
