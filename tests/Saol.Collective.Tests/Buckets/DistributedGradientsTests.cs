using Microsoft.Extensions.Logging.Abstractions;
using Saol.Collective.Internal.Links;
using Saol.Collective.Internal.Ring;
using Saol.TestKit;
using Saol.Torch;
using Xunit;

namespace Saol.Collective.Tests.Buckets;

/// <summary>Real libtorch autograd: gradient hooks feed the buckets during backward.</summary>
public sealed class DistributedGradientsTests
{
    // A two-layer model's parameters, registration order: w1 [6, 5], b1 [5], w2 [5, 3], b2 [3].
    private static readonly long[][] s_shapes = [[6, 5], [5], [5, 3], [3]];

    [Fact]
    public async Task SynchronizeAsync_TwoWorkersWithTwoCpuReplicas_EveryGradEqualsTheGlobalMean()
    {
        const int Workers = 2;
        const int Devices = 2;
        // 16-float buckets, reverse order: {b2 3}, {w2 15}, {b1 5}, {w1 30} — four buckets.
        var options = new CollectiveOptions { BucketBytes = 64, SegmentBytes = 16 };
        var ring = new InProcessRing(Workers);
        var ranks = Enumerable.Range(0, Workers).Select(w => new RingAllReduce(ring[w], w, Workers, options, NullLogger.Instance)).ToArray();

        torch.manual_seed(7);
        var initial = s_shapes.Select(s => torch.randn(s)).ToArray();
        var inputs = Enumerable.Range(0, Workers * Devices).Select(_ => torch.randn(4, 6)).ToArray();
        // Every replica starts from the same weights, as data-parallel replicas do.
        var replicas = Enumerable.Range(0, Workers).Select(_ => Enumerable.Range(0, Devices).Select(_ => Parameters(initial)).ToArray()).ToArray();
        var syncs = Enumerable.Range(0, Workers).Select(w => new DistributedGradients(ranks[w], replicas[w], options)).ToArray();
        Assert.Equal(4, syncs[0].BucketCount);

        for (var w = 0; w < Workers; w++)
        {
            for (var d = 0; d < Devices; d++)
            {
                using var loss = Loss(replicas[w][d], inputs[(w * Devices) + d]);
                loss.backward();
            }
        }
        await Task.WhenAll(syncs.Select(s => s.SynchronizeAsync(TestContext.Current.CancellationToken))).DefaultTimeout();

        // Reference: each replica's own gradient, computed without hooks, averaged in double.
        var own = inputs.Select(x =>
        {
            var parameters = Parameters(initial);
            using var loss = Loss(parameters, x);
            loss.backward();
            return parameters.Select(p => p.grad!.data<float>().ToArray()).ToArray();
        }).ToArray();
        for (var p = 0; p < s_shapes.Length; p++)
        {
            var expected = Enumerable.Range(0, own[0][p].Length).Select(i => own.Average(g => (double)g[p][i])).ToArray();
            var reference = replicas[0][0][p].grad!.data<float>().ToArray();
            foreach (var replica in replicas.SelectMany(r => r))
            {
                var grad = replica[p].grad!.data<float>().ToArray();
                Assert.True(grad.AsSpan().SequenceEqual(reference), $"parameter {p}: replicas differ");
            }
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(reference[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"parameter {p} element {i}: {reference[i]} vs {expected[i]}");
            }
        }
        foreach (var sync in syncs)
        {
            sync.Dispose();
        }
    }

    [Fact]
    public async Task Backward_FirstBucketComplete_StartsItsAllReduceBeforeBackwardReturns()
    {
        var ring = new ObservingAllReduce();
        var parameters = Parameters(s_shapes.Select(s => torch.randn(s)).ToArray());
        using var sync = new DistributedGradients(ring, [parameters], new CollectiveOptions { BucketBytes = 64 });
        using var loss = Loss(parameters, torch.randn(4, 6));
        ring.InBackward = true;
        loss.backward();
        ring.InBackward = false;
        await sync.SynchronizeAsync(TestContext.Current.CancellationToken).DefaultTimeout();
        // Every bucket's all-reduce started from a gradient hook, during backward.
        Assert.Equal([true, true, true, true], ring.StartedDuringBackward);
    }

    [Fact]
    public void Constructor_ReplicasDisagree_ThrowsNamingTheParameter()
    {
        var a = Parameters(s_shapes.Select(s => torch.zeros(s)).ToArray());
        var b = Parameters([torch.zeros(6, 5), torch.zeros(5), torch.zeros(3, 5), torch.zeros(3)]);
        var error = Assert.Throws<ArgumentException>(() => new DistributedGradients(new ObservingAllReduce(), [a, b]));
        Assert.Contains("parameter 2 of replica 1 has shape [3, 5]", error.Message, StringComparison.Ordinal);
    }

    private static Tensor[] Parameters(Tensor[] initial) => [.. initial.Select(t => t.clone().detach().requires_grad_())];

    private static Tensor Loss(Tensor[] p, Tensor x)
    {
        using var hidden = x.matmul(p[0]).add(p[1]);
        using var activated = hidden.mul(hidden);
        using var output = activated.matmul(p[2]).add(p[3]);
        using var squared = output.mul(output);
        return squared.sum();
    }

    private sealed class ObservingAllReduce : IAllReduce
    {
        public bool InBackward { get; set; }

        public List<bool> StartedDuringBackward { get; } = [];

        public int Rank => 0;

        public int WorldSize => 1;

        public Task AllReduceAsync(Memory<float> buffer, ReduceOp op, CancellationToken cancellationToken = default)
        {
            StartedDuringBackward.Add(InBackward);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
