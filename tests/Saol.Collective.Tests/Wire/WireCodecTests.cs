using System.Runtime.InteropServices;
using Saol.Collective.Internal.Wire;
using Saol.TestKit;
using Xunit;

namespace Saol.Collective.Tests.Wire;

public sealed class WireCodecTests
{
    [Fact]
    public void Pack_SixteenBitFormats_MatchPyTorchBitForBit()
    {
        Services.RequirePython("torch", "numpy");
        var values = EdgeCasesAndRandom();
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("in.f32"), MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        var result = ProcessRunner.Run(Services.Python, [Repo.PathOf("tests", "Saol.Collective.Tests", "python", "wire_oracle.py"), dir.File("in.f32"), dir.File("out.bf16"), dir.File("out.f16")], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.StandardError);

        foreach (var (format, file) in new[] { (WireFormat.BFloat16, "out.bf16"), (WireFormat.Float16, "out.f16") })
        {
            var expected = MemoryMarshal.Cast<byte, ushort>(File.ReadAllBytes(dir.File(file))).ToArray();
            var packed = new byte[values.Length * 2];
            WireCodec.Pack(format, values, packed);
            var actual = MemoryMarshal.Cast<byte, ushort>(packed);
            for (var i = 0; i < values.Length; i++)
            {
                var bothNaN = IsNaN16(format, expected[i]) && IsNaN16(format, actual[i]);
                Assert.True(bothNaN || expected[i] == actual[i], $"{format} of {values[i]:R} (0x{BitConverter.SingleToUInt32Bits(values[i]):X8}): torch 0x{expected[i]:X4}, ours 0x{actual[i]:X4}");
            }
        }
    }

    [Theory]
    [InlineData(WireFormat.Float32)]
    [InlineData(WireFormat.Float16)]
    [InlineData(WireFormat.BFloat16)]
    public void UnpackOfPack_AnyLength_GivesTheRoundedValues(WireFormat format)
    {
        var random = new Random(3);
        // Lengths around the vector widths exercise both the vector loop and the scalar tail.
        foreach (var length in new[] { 0, 1, 7, 8, 15, 16, 17, 31, 33, 4099 })
        {
            var values = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 200 - 100)).ToArray();
            var bytes = new byte[length * WireCodec.BytesPerElement(format)];
            WireCodec.Pack(format, values, bytes);
            var back = new float[length];
            WireCodec.Unpack(format, bytes, back);
            for (var i = 0; i < length; i++)
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(Ring.RingReference.Round(values[i], format)), BitConverter.SingleToUInt32Bits(back[i]));
            }
        }
    }

    [Theory]
    [InlineData(WireFormat.Float32)]
    [InlineData(WireFormat.Float16)]
    [InlineData(WireFormat.BFloat16)]
    public void UnpackAdd_LongerThanScratch_AddsEveryElement(WireFormat format)
    {
        var length = 5000;
        var incoming = Enumerable.Range(0, length).Select(i => (float)(i % 100)).ToArray();
        var bytes = new byte[length * WireCodec.BytesPerElement(format)];
        WireCodec.Pack(format, incoming, bytes);
        var accumulator = Enumerable.Range(0, length).Select(i => 0.5f).ToArray();
        WireCodec.UnpackAdd(format, bytes, accumulator);
        for (var i = 0; i < length; i++)
        {
            Assert.Equal((i % 100) + 0.5f, accumulator[i]);
        }
    }

    [Fact]
    public void Pack_DestinationOfWrongLength_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => WireCodec.Pack(WireFormat.BFloat16, new float[3], new byte[4]));
        Assert.Contains("need 6 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RingReferenceRounding_AgreesWithCodec_OnTiesAndExtremes()
    {
        // The test's independent rounding and the codec agree on the values the oracle test covers.
        foreach (var value in EdgeCasesAndRandom().Where(v => !float.IsNaN(v)))
        {
            var bytes = new byte[2];
            WireCodec.Pack(WireFormat.BFloat16, [value], bytes);
            var back = new float[1];
            WireCodec.Unpack(WireFormat.BFloat16, bytes, back);
            Assert.Equal(BitConverter.SingleToUInt32Bits(Ring.RingReference.RoundBFloat16(value)), BitConverter.SingleToUInt32Bits(back[0]));
        }
    }

    private static bool IsNaN16(WireFormat format, ushort bits) => format == WireFormat.BFloat16
        ? float.IsNaN(BitConverter.UInt32BitsToSingle((uint)bits << 16))
        : Half.IsNaN(BitConverter.UInt16BitsToHalf(bits));

    private static float[] EdgeCasesAndRandom()
    {
        var edges = new List<float>
        {
            0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, 65504f, 65520f, 65519.99f, 6e-8f, 3e-8f, 1e-40f,
        };
        // Exact ties for bfloat16 (low half 0x8000) with even and odd kept bits, and near-ties.
        foreach (var high in new uint[] { 0x3F80, 0x3F81, 0x4049, 0xC049, 0x7F7F, 0x0001 })
        {
            foreach (var low in new uint[] { 0x8000, 0x7FFF, 0x8001, 0x0000, 0xFFFF })
            {
                edges.Add(BitConverter.UInt32BitsToSingle((high << 16) | low));
            }
        }
        var random = new Random(11);
        // Random bit patterns cover every binade, subnormals and NaN payloads.
        for (var i = 0; i < 20000; i++)
        {
            edges.Add(BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32)));
        }
        return [.. edges];
    }
}
