using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Saol.Collective.Internal.Wire;

/// <summary>
/// Converts float32 accumulators to and from the wire format. Payloads are little-endian element
/// arrays; the 16-bit formats round to nearest, ties to even (NaN stays NaN, quieted), exactly as
/// PyTorch's <c>tensor.to(torch.bfloat16 / torch.float16)</c>.
/// </summary>
internal static class WireCodec
{
    // Unpacking a 16-bit segment into float32 goes through a stack buffer this many elements long.
    private const int ScratchElements = 2048;

    static WireCodec()
    {
        // The payload is the in-memory element array; a big-endian host would need byte swaps.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the all-reduce wire format is little-endian; this host is big-endian.");
        }
    }

    /// <summary>Bytes one element takes on the wire.</summary>
    public static int BytesPerElement(WireFormat format) => format == WireFormat.Float32 ? 4 : 2;

    /// <summary>Writes <paramref name="source"/> into <paramref name="destination"/> in the wire format.</summary>
    public static void Pack(WireFormat format, ReadOnlySpan<float> source, Span<byte> destination)
    {
        CheckLength(format, source.Length, destination.Length);
        switch (format)
        {
            case WireFormat.Float32:
                source.CopyTo(MemoryMarshal.Cast<byte, float>(destination));
                break;
            case WireFormat.Float16:
                TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
                break;
            default:
                PackBFloat16(MemoryMarshal.Cast<float, uint>(source), MemoryMarshal.Cast<byte, ushort>(destination));
                break;
        }
    }

    /// <summary>Reads a wire payload into float32 values.</summary>
    public static void Unpack(WireFormat format, ReadOnlySpan<byte> source, Span<float> destination)
    {
        CheckLength(format, destination.Length, source.Length);
        switch (format)
        {
            case WireFormat.Float32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case WireFormat.Float16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            default:
                UnpackBFloat16(MemoryMarshal.Cast<byte, ushort>(source), MemoryMarshal.Cast<float, uint>(destination));
                break;
        }
    }

    /// <summary><paramref name="accumulator"/>[i] = wire[i] + <paramref name="accumulator"/>[i], in float32.</summary>
    public static void UnpackAdd(WireFormat format, ReadOnlySpan<byte> source, Span<float> accumulator)
    {
        CheckLength(format, accumulator.Length, source.Length);
        if (format == WireFormat.Float32)
        {
            TensorPrimitives.Add(MemoryMarshal.Cast<byte, float>(source), accumulator, accumulator);
            return;
        }
        Span<float> scratch = stackalloc float[ScratchElements];
        var bytesPer = BytesPerElement(format);
        for (var i = 0; i < accumulator.Length; i += ScratchElements)
        {
            var n = Math.Min(ScratchElements, accumulator.Length - i);
            var part = scratch[..n];
            Unpack(format, source.Slice(i * bytesPer, n * bytesPer), part);
            var acc = accumulator.Slice(i, n);
            TensorPrimitives.Add(part, acc, acc);
        }
    }

    /// <summary>Float32 to bfloat16 with round-to-nearest-even; NaN maps to a quiet NaN of the same sign.</summary>
    internal static void PackBFloat16(ReadOnlySpan<uint> source, Span<ushort> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<uint>.Count;
            for (; i <= source.Length - (2 * width); i += 2 * width)
            {
                var low = RoundToBFloat16(new Vector<uint>(source.Slice(i, width)));
                var high = RoundToBFloat16(new Vector<uint>(source.Slice(i + width, width)));
                Vector.Narrow(low, high).CopyTo(destination.Slice(i, 2 * width));
            }
        }
        for (; i < source.Length; i++)
        {
            destination[i] = RoundToBFloat16(source[i]);
        }
    }

    internal static void UnpackBFloat16(ReadOnlySpan<ushort> source, Span<uint> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<ushort>.Count;
            for (; i <= source.Length - width; i += width)
            {
                Vector.Widen(new Vector<ushort>(source.Slice(i, width)), out var low, out var high);
                (low << 16).CopyTo(destination.Slice(i, width / 2));
                (high << 16).CopyTo(destination.Slice(i + (width / 2), width / 2));
            }
        }
        for (; i < source.Length; i++)
        {
            destination[i] = (uint)source[i] << 16;
        }
    }

    private static Vector<uint> RoundToBFloat16(Vector<uint> bits)
    {
        var lsb = (bits >>> 16) & Vector<uint>.One;
        var rounded = (bits + new Vector<uint>(0x7FFFu) + lsb) >>> 16;
        var isNaN = Vector.GreaterThan(bits & new Vector<uint>(0x7FFF_FFFFu), new Vector<uint>(0x7F80_0000u));
        var quietNaN = (bits >>> 16) | new Vector<uint>(0x0040u);
        return Vector.ConditionalSelect(isNaN, quietNaN, rounded);
    }

    private static ushort RoundToBFloat16(uint bits)
    {
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u)
        {
            return (ushort)((bits >> 16) | 0x0040u);
        }
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    private static void CheckLength(WireFormat format, int elements, int bytes)
    {
        if ((long)elements * BytesPerElement(format) != bytes)
        {
            throw new ArgumentException($"{elements} {format} elements need {(long)elements * BytesPerElement(format)} bytes, the buffer has {bytes}.");
        }
    }
}
