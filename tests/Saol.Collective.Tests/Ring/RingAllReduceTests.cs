using Microsoft.Extensions.Logging.Abstractions;
using Saol.Collective.Internal.Links;
using Saol.Collective.Internal.Ring;
using Saol.TestKit;
using Xunit;

namespace Saol.Collective.Tests.Ring;

public sealed class RingAllReduceTests
{
    // Four float32 values per segment, so even small buffers travel as many pipelined segments.
    private const int SmallSegmentBytes = 16;

    public static TheoryData<int, int, ReduceOp> WorldsLengthsAndOps()
    {
        var data = new TheoryData<int, int, ReduceOp>();
        foreach (var world in new[] { 1, 2, 3, 4, 5 })
        {
            // Empty, one element, fewer elements than ranks, not divisible by the world size,
            // exactly divisible, and many segments per chunk.
            foreach (var length in new[] { 0, 1, world - 1, 7, 60, 1001 }.Distinct())
            {
                data.Add(world, length, ReduceOp.Sum);
                data.Add(world, length, ReduceOp.Average);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(WorldsLengthsAndOps))]
    public async Task AllReduce_Float32_EqualsFixedOrderFoldBitwiseOnEveryRank(int world, int length, ReduceOp op)
    {
        var inputs = RandomInputs(world, length, seed: (world * 1000) + length + (int)op);
        var outputs = await RunAsync(inputs, op, WireFormat.Float32, SmallSegmentBytes);
        AssertMatches(inputs, outputs, op, WireFormat.Float32, SmallSegmentBytes / 4, tolerance: 1e-5);
    }

    [Theory]
    [InlineData(2, WireFormat.BFloat16, ReduceOp.Sum)]
    [InlineData(3, WireFormat.BFloat16, ReduceOp.Average)]
    [InlineData(5, WireFormat.BFloat16, ReduceOp.Sum)]
    [InlineData(2, WireFormat.Float16, ReduceOp.Average)]
    [InlineData(4, WireFormat.Float16, ReduceOp.Sum)]
    [InlineData(5, WireFormat.Float16, ReduceOp.Average)]
    public async Task AllReduce_SixteenBitWire_RoundsEachHopAndStaysBitwiseIdentical(int world, WireFormat format, ReduceOp op)
    {
        var inputs = RandomInputs(world, 1003, seed: world + (int)format);
        // 8 wire bytes = four 16-bit values per segment.
        var outputs = await RunAsync(inputs, op, format, segmentBytes: 8);
        // bfloat16 keeps 8 significant bits, float16 11; N−1 roundings of partial sums.
        AssertMatches(inputs, outputs, op, format, segmentElements: 4, tolerance: format == WireFormat.BFloat16 ? world * 1.6e-2 : world * 2e-3);
    }

    [Fact]
    public async Task AllReduce_DefaultSegmentsLargeBuffer_MatchesReference()
    {
        var inputs = RandomInputs(3, 1_000_003, seed: 42);
        var outputs = await RunAsync(inputs, ReduceOp.Sum, WireFormat.Float32, new CollectiveOptions().SegmentBytes);
        AssertMatches(inputs, outputs, ReduceOp.Sum, WireFormat.Float32, new CollectiveOptions().SegmentBytes / 4, tolerance: 1e-5);
    }

    [Fact]
    public async Task AllReduce_OverlappingCollectives_EachMatchesItsReference()
    {
        const int World = 4;
        var ring = new InProcessRing(World);
        var options = new CollectiveOptions { SegmentBytes = SmallSegmentBytes };
        var ranks = Enumerable.Range(0, World).Select(r => new RingAllReduce(ring[r], r, World, options, NullLogger.Instance)).ToArray();
        int[] lengths = [97, 0, 13, 250];
        var inputs = lengths.Select((l, i) => RandomInputs(World, l, seed: i)).ToArray();
        var buffers = inputs.Select(perRank => perRank.Select(b => (float[])b.Clone()).ToArray()).ToArray();
        // Every rank starts all four before awaiting any, as gradient buckets do.
        var tasks = Enumerable.Range(0, World).Select(r => Task.Run(async () =>
        {
            var started = buffers.Select(b => ranks[r].AllReduceAsync(b[r], ReduceOp.Sum)).ToArray();
            await Task.WhenAll(started);
        })).ToArray();
        await Task.WhenAll(tasks).DefaultTimeout();
        for (var k = 0; k < lengths.Length; k++)
        {
            AssertMatches(inputs[k], buffers[k], ReduceOp.Sum, WireFormat.Float32, SmallSegmentBytes / 4, tolerance: 1e-5);
        }
    }

    [Fact]
    public async Task AllReduce_LengthsDifferAcrossRanks_EveryRankFailsNamingTheMismatch()
    {
        var ring = new InProcessRing(3);
        var options = new CollectiveOptions { SegmentBytes = SmallSegmentBytes, Timeout = TimeSpan.FromSeconds(20) };
        var ranks = Enumerable.Range(0, 3).Select(r => new RingAllReduce(ring[r], r, 3, options, NullLogger.Instance)).ToArray();
        var tasks = ranks.Select((rank, r) => rank.AllReduceAsync(new float[r == 1 ? 50 : 40], ReduceOp.Sum)).ToArray();
        foreach (var task in tasks)
        {
            var error = await Assert.ThrowsAsync<CollectiveException>(() => task.DefaultTimeout());
            Assert.Equal(1, error.Collective);
        }
        var all = string.Join("\n", tasks.Select(t => t.Exception!.InnerException!.Message));
        Assert.Contains("buffer lengths differ across ranks", all, StringComparison.Ordinal);
        // The ring is broken for good afterwards.
        await Assert.ThrowsAsync<CollectiveException>(() => ranks[0].AllReduceAsync(new float[40], ReduceOp.Sum, TestContext.Current.CancellationToken).DefaultTimeout());
    }

    [Fact]
    public async Task AllReduce_PeerNeverJoins_OthersFailAfterTimeoutNamingThePeer()
    {
        var ring = new InProcessRing(3);
        var options = new CollectiveOptions { SegmentBytes = SmallSegmentBytes, Timeout = TimeSpan.FromMilliseconds(300) };
        var ranks = Enumerable.Range(0, 3).Select(r => new RingAllReduce(ring[r], r, 3, options, NullLogger.Instance)).ToArray();
        // Rank 2 never calls: rank 0 (its right neighbour) waits on it and times out; the fault
        // then breaks the ring, so rank 1 fails too instead of waiting.
        var first = ranks[0].AllReduceAsync(new float[30], ReduceOp.Sum, TestContext.Current.CancellationToken);
        var second = ranks[1].AllReduceAsync(new float[30], ReduceOp.Sum, TestContext.Current.CancellationToken);
        var error0 = await Assert.ThrowsAsync<CollectiveException>(() => first.DefaultTimeout());
        var error1 = await Assert.ThrowsAsync<CollectiveException>(() => second.DefaultTimeout());
        Assert.Contains("rank 2", error0.Message, StringComparison.Ordinal);
        Assert.Contains("collective 1", error0.Message, StringComparison.Ordinal);
        Assert.Equal(2, error0.PeerRank);
        Assert.NotNull(error1.Message);
    }

    [Fact]
    public async Task AllReduce_UndefinedOp_Throws()
    {
        var ring = new InProcessRing(1);
        var rank = new RingAllReduce(ring[0], 0, 1, new CollectiveOptions(), NullLogger.Instance);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => rank.AllReduceAsync(new float[3], (ReduceOp)7, TestContext.Current.CancellationToken).DefaultTimeout());
    }

    internal static float[][] RandomInputs(int world, int length, int seed)
    {
        var random = new Random(seed);
        // Values spanning several binades, so the order of additions changes the float32 result.
        return Enumerable.Range(0, world)
            .Select(_ => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 3)))).ToArray())
            .ToArray();
    }

    private static async Task<float[][]> RunAsync(float[][] inputs, ReduceOp op, WireFormat format, int segmentBytes)
    {
        var world = inputs.Length;
        var ring = new InProcessRing(world);
        var options = new CollectiveOptions { SegmentBytes = segmentBytes, WireFormat = format };
        var buffers = inputs.Select(b => (float[])b.Clone()).ToArray();
        var ranks = Enumerable.Range(0, world).Select(r => new RingAllReduce(ring[r], r, world, options, NullLogger.Instance)).ToArray();
        await Task.WhenAll(ranks.Select((rank, r) => Task.Run(() => rank.AllReduceAsync(buffers[r], op)))).DefaultTimeout();
        foreach (var rank in ranks)
        {
            await rank.DisposeAsync();
        }
        return buffers;
    }

    internal static void AssertMatches(float[][] inputs, float[][] outputs, ReduceOp op, WireFormat format, int segmentElements, double tolerance)
    {
        var expected = RingReference.Expected(inputs, op, format, segmentElements);
        var exact = RingReference.Exact(inputs, op);
        for (var r = 0; r < outputs.Length; r++)
        {
            for (var i = 0; i < expected.Length; i++)
            {
                if (BitConverter.SingleToUInt32Bits(outputs[r][i]) != BitConverter.SingleToUInt32Bits(expected[i]))
                {
                    Assert.Fail($"rank {r} element {i}: got {outputs[r][i]:R}, the fixed-order fold gives {expected[i]:R}");
                }
                var scale = Math.Max(1.0, inputs.Sum(x => Math.Abs((double)x[i])));
                Assert.True(Math.Abs(outputs[r][i] - exact[i]) <= tolerance * scale, $"rank {r} element {i}: {outputs[r][i]} vs exact {exact[i]}");
            }
        }
        // Bitwise identity across ranks, stated on its own.
        for (var r = 1; r < outputs.Length; r++)
        {
            Assert.True(outputs[0].AsSpan().SequenceEqual(outputs[r]), $"rank {r} differs from rank 0");
        }
    }
}
