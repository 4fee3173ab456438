namespace Saol.Data.Sampling;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator whose output is fixed by its seed on every
/// platform and runtime, which <see cref="System.Random"/> does not promise. Data order and
/// augmentation draws must replay exactly on resume and on every rank.
/// </summary>
public struct SplitMix64
{
    private ulong _state;

    /// <summary>Starts the stream at <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>A seed derived from several values (job seed, epoch, rank, step), mixed so nearby inputs give unrelated streams.</summary>
    public static ulong Mix(params ReadOnlySpan<long> values)
    {
        var g = new SplitMix64(0x5A01_D15C_0FFE_E000UL);
        var h = g.Next();
        foreach (var v in values)
        {
            g = new SplitMix64(h ^ (ulong)v);
            h = g.Next();
        }
        return h;
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        var z = _state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) without modulo bias (Lemire's method).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var b = (ulong)bound;
        while (true)
        {
            var high = Math.BigMul(Next(), b, out var low);
            if (low >= (0UL - b) % b)
            {
                return (int)high;
            }
        }
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}
