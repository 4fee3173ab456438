using Saol.Collective.Internal.Ring;

namespace Saol.Collective.Tests.Ring;

/// <summary>
/// What the ring must produce, computed element by element without the production code: the
/// fold of chunk c starts at rank c and goes round the ring, rounding to the wire format at every
/// hop as the protocol does. Rounding here goes through double arithmetic (nearest value, ties to
/// the even mantissa), independently of the vectorised codec.
/// </summary>
internal static class RingReference
{
    public static float[] Expected(float[][] inputs, ReduceOp op, WireFormat format, int segmentElements)
    {
        var n = inputs.Length;
        var length = inputs[0].Length;
        var result = new float[length];
        if (n == 1)
        {
            inputs[0].CopyTo(result, 0);
            return result;
        }
        var layout = new RingLayout(length, n, segmentElements);
        for (var c = 0; c < n; c++)
        {
            for (var i = layout.ChunkStart(c); i < layout.ChunkStart(c) + layout.ChunkLength(c); i++)
            {
                var partial = Round(inputs[c][i], format);
                for (var k = 1; k < n; k++)
                {
                    var sum = partial + inputs[(c + k) % n][i];
                    partial = k < n - 1 ? Round(sum, format) : sum;
                }
                if (op == ReduceOp.Average)
                {
                    partial /= n;
                }
                result[i] = Round(partial, format);
            }
        }
        return result;
    }

    /// <summary>The exact sum (or mean) in double, for the tolerance check.</summary>
    public static double[] Exact(float[][] inputs, ReduceOp op)
    {
        var result = new double[inputs[0].Length];
        for (var i = 0; i < result.Length; i++)
        {
            double sum = 0;
            foreach (var input in inputs)
            {
                sum += input[i];
            }
            result[i] = op == ReduceOp.Average ? sum / inputs.Length : sum;
        }
        return result;
    }

    public static float Round(float value, WireFormat format) => format switch
    {
        WireFormat.Float32 => value,
        WireFormat.Float16 => (float)(Half)value,
        _ => RoundBFloat16(value),
    };

    /// <summary>Nearest bfloat16 by comparing the two bracketing candidates in double.</summary>
    public static float RoundBFloat16(float value)
    {
        if (float.IsNaN(value) || float.IsInfinity(value))
        {
            return value;
        }
        var bits = BitConverter.SingleToUInt32Bits(value);
        var down = bits & 0xFFFF_0000u;
        var up = down + 0x0001_0000u;
        double d = value, lo = BitConverter.UInt32BitsToSingle(down), hi = BitConverter.UInt32BitsToSingle(up);
        if (double.IsInfinity(hi) && !double.IsInfinity(value))
        {
            // Past the largest finite bfloat16 the halfway point to the next power decides overflow.
            hi = Math.CopySign(Math.Pow(2, 128), value);
        }
        var distDown = Math.Abs(d - lo);
        var distUp = Math.Abs(hi - d);
        var pick = distDown < distUp ? down : distUp < distDown ? up : ((down >> 16) & 1) == 0 ? down : up;
        return BitConverter.UInt32BitsToSingle(pick);
    }
}
