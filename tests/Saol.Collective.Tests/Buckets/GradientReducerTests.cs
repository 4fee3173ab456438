using Microsoft.Extensions.Logging.Abstractions;
using Saol.Collective.Internal.Buckets;
using Saol.Collective.Internal.Links;
using Saol.Collective.Internal.Ring;
using Saol.Collective.Tests.Ring;
using Saol.TestKit;
using Xunit;

namespace Saol.Collective.Tests.Buckets;

public sealed class GradientReducerTests
{
    [Fact]
    public void BucketPlan_ReverseRegistrationOrder_PacksGreedilyUpToTheCap()
    {
        // Cap of 10 floats. Reverse order: p4(3) p3(4) | p2(12, alone) | p1(5) p0(5).
        var plan = new BucketPlan([5, 5, 12, 4, 3], bucketBytes: 40);
        Assert.Equal(3, plan.BucketCount);
        Assert.Equal([4, 3], plan.ParametersOf(0));
        Assert.Equal([2], plan.ParametersOf(1));
        Assert.Equal([1, 0], plan.ParametersOf(2));
        Assert.Equal(0, plan.OffsetOf(4));
        Assert.Equal(3, plan.OffsetOf(3));
        Assert.Equal(5, plan.OffsetOf(0));
        Assert.Equal([7, 12, 10], Enumerable.Range(0, 3).Select(plan.BucketLength));
    }

    [Fact]
    public void BucketPlan_DefaultSize_Is25MiB()
    {
        var plan = new BucketPlan([25 << 18, 1, (25 << 18) - 1], new CollectiveOptions().BucketBytes);
        Assert.Equal(2, plan.BucketCount);
        Assert.Equal(25 << 18, plan.BucketLength(0));
    }

    [Fact]
    public async Task MarkReady_BucketComplete_StartsItsAllReduceBeforeBackwardEnds()
    {
        var ring = new RecordingAllReduce();
        var reducer = new GradientReducer(ring, [4, 4, 4, 4], options: new CollectiveOptions { BucketBytes = 32 });
        // Buckets: 0 = {3, 2}, 1 = {1, 0}. Backward produces 3, 2, then 1, 0.
        reducer.MarkReady(0, 3, new float[4]);
        Assert.Empty(ring.Lengths);
        reducer.MarkReady(0, 2, new float[4]);
        Assert.Equal([8], ring.Lengths);
        reducer.MarkReady(0, 1, new float[4]);
        reducer.MarkReady(0, 0, new float[4]);
        Assert.Equal([8, 8], ring.Lengths);
        await reducer.FinishAsync(TestContext.Current.CancellationToken).DefaultTimeout();
    }

    [Fact]
    public async Task MarkReady_LaterBucketReadyFirst_WaitsSoEveryWorkerStartsInIndexOrder()
    {
        var ring = new RecordingAllReduce();
        var reducer = new GradientReducer(ring, [4, 4], options: new CollectiveOptions { BucketBytes = 16 });
        reducer.MarkReady(0, 0, [1, 1, 1, 1]);
        Assert.Empty(ring.Lengths);
        reducer.MarkReady(0, 1, [2, 2, 2, 2]);
        Assert.Equal([2f, 1f], ring.FirstValues);
        await reducer.FinishAsync(TestContext.Current.CancellationToken).DefaultTimeout();
    }

    [Fact]
    public async Task FinishAsync_GradientNeverHandedOver_CountsAsZero()
    {
        var ring = new RecordingAllReduce();
        var reducer = new GradientReducer(ring, [2, 3], devices: 2);
        reducer.MarkReady(0, 0, [4, 6]);
        reducer.MarkReady(1, 0, [2, 2]);
        reducer.MarkReady(1, 1, [2, 2, 2]);
        await reducer.FinishAsync(TestContext.Current.CancellationToken).DefaultTimeout();
        Assert.Equal([3f, 4f], reducer.Result(0).ToArray());
        Assert.Equal([1f, 1f, 1f], reducer.Result(1).ToArray());
    }

    [Fact]
    public async Task MarkReady_BadInput_ThrowsClearly()
    {
        var reducer = new GradientReducer(new RecordingAllReduce(), [2, 3]);
        var length = Assert.Throws<ArgumentException>(() => reducer.MarkReady(0, 1, new float[2]));
        Assert.Contains("parameter 1 has 3 elements", length.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => reducer.MarkReady(1, 0, new float[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => reducer.MarkReady(0, 2, new float[2]));
        reducer.MarkReady(0, 0, new float[2]);
        Assert.Throws<InvalidOperationException>(() => reducer.MarkReady(0, 0, new float[2]));
        await reducer.FinishAsync(TestContext.Current.CancellationToken).DefaultTimeout();
        // A new step starts with the next hand-over.
        reducer.MarkReady(0, 0, new float[2]);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(4, 1)]
    public async Task Hierarchical_WorkersWithCpuReplicas_EveryReplicaGetsTheSameAverage(int workers, int devices)
    {
        int[] sizes = [37, 5, 64, 1, 200, 9];
        var options = new CollectiveOptions { BucketBytes = 100 * sizeof(float), SegmentBytes = 32 };
        var ring = new InProcessRing(workers);
        var ranks = Enumerable.Range(0, workers).Select(w => new RingAllReduce(ring[w], w, workers, options, NullLogger.Instance)).ToArray();
        var reducers = ranks.Select(r => new GradientReducer(r, sizes, devices, options)).ToArray();
        var random = new Random(workers * 10 + devices);

        for (var step = 0; step < 2; step++)
        {
            // grads[w][d][p]
            var grads = Enumerable.Range(0, workers).Select(_ => Enumerable.Range(0, devices).Select(_ =>
                sizes.Select(n => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1) * 10).ToArray()).ToArray()).ToArray()).ToArray();
            // Each replica's backward runs on its own thread and produces gradients in reverse order.
            await Task.WhenAll(Enumerable.Range(0, workers).SelectMany(w => Enumerable.Range(0, devices).Select(d => Task.Run(() =>
            {
                for (var p = sizes.Length - 1; p >= 0; p--)
                {
                    reducers[w].MarkReady(d, p, grads[w][d][p]);
                }
            })))).DefaultTimeout();
            await Task.WhenAll(reducers.Select(r => r.FinishAsync(TestContext.Current.CancellationToken))).DefaultTimeout();

            var plan = new BucketPlan(sizes, options.BucketBytes);
            for (var b = 0; b < plan.BucketCount; b++)
            {
                // Local mean in device order, then the ring's fixed-order average over workers.
                var localMeans = Enumerable.Range(0, workers).Select(w =>
                {
                    var bucket = new float[plan.BucketLength(b)];
                    foreach (var p in plan.ParametersOf(b))
                    {
                        for (var i = 0; i < sizes[p]; i++)
                        {
                            var sum = grads[w][0][p][i];
                            for (var d = 1; d < devices; d++)
                            {
                                sum += grads[w][d][p][i];
                            }
                            bucket[plan.OffsetOf(p) + i] = devices > 1 ? sum / devices : sum;
                        }
                    }
                    return bucket;
                }).ToArray();
                var outputs = Enumerable.Range(0, workers).Select(w =>
                {
                    var bucket = new float[plan.BucketLength(b)];
                    foreach (var p in plan.ParametersOf(b))
                    {
                        reducers[w].CopyResult(p, bucket.AsSpan(plan.OffsetOf(p), sizes[p]));
                    }
                    return bucket;
                }).ToArray();
                RingAllReduceTests.AssertMatches(localMeans, outputs, ReduceOp.Average, WireFormat.Float32, options.SegmentBytes / 4, tolerance: 1e-5);
            }
        }
    }

    private sealed class RecordingAllReduce : IAllReduce
    {
        public List<int> Lengths { get; } = [];

        public List<float> FirstValues { get; } = [];

        public int Rank => 0;

        public int WorldSize => 1;

        public Task AllReduceAsync(Memory<float> buffer, ReduceOp op, CancellationToken cancellationToken = default)
        {
            Lengths.Add(buffer.Length);
            FirstValues.Add(buffer.Span[0]);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
