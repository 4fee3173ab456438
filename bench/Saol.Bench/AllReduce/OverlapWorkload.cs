using System.Diagnostics;
using Saol.Collective;
using Saol.Collective.Internal.Hosting;

namespace Saol.Bench.AllReduce;

/// <summary>
/// How much of the all-reduce the gradient buckets hide behind backward. Each rank runs a
/// simulated ResNet-50 backward — real CPU work, handing over each parameter's gradient (in
/// reverse registration order, as autograd does) after work proportional to its size — three
/// ways: compute alone, one all-reduce alone, and the two overlapped through a
/// <see cref="GradientReducer"/> (25 MiB buckets). hidden = (compute + comm − overlapped) / comm.
/// </summary>
internal static class OverlapWorkload
{
    /// <summary>The member side: prints <c>overlap &lt;compute ms&gt; &lt;comm ms&gt; &lt;overlapped ms&gt;</c> per iteration.</summary>
    public static async Task<int> RunAsync(IAllReduce ring, RingMemberProcess.Settings settings, TextWriter output)
    {
        var sizes = ResNet50ParameterSizes();
        var gradients = sizes.Select((n, p) => RingMemberProcess.InputOf(settings.Rank + p, n)).ToArray();
        var flat = new float[sizes.Sum()];
        // Calibrate the simulated backward to take about as long as one all-reduce: the balance at
        // which overlap matters most. The work is a fixed amount of arithmetic, not a fixed time,
        // so CPU taken by communication slows it down, as it would slow a real backward.
        await ring.AllReduceAsync(flat, ReduceOp.Sum).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        await ring.AllReduceAsync(flat, ReduceOp.Sum).ConfigureAwait(false);
        var commEstimate = clock.Elapsed;
        var workPerElement = Calibrate(commEstimate, flat.Length);
        var reducer = new GradientReducer(ring, sizes);

        for (var k = 1; k <= settings.Iterations; k++)
        {
            clock.Restart();
            Backward(sizes, workPerElement, onGradient: null);
            var compute = clock.Elapsed.TotalMilliseconds;

            clock.Restart();
            await ring.AllReduceAsync(flat, ReduceOp.Average).ConfigureAwait(false);
            var comm = clock.Elapsed.TotalMilliseconds;

            clock.Restart();
            Backward(sizes, workPerElement, p => reducer.MarkReady(0, p, gradients[p]));
            await reducer.FinishAsync().ConfigureAwait(false);
            var overlapped = clock.Elapsed.TotalMilliseconds;
            await output.WriteLineAsync(FormattableString.Invariant($"overlap {compute:0.###} {comm:0.###} {overlapped:0.###}")).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
        }
        await output.WriteLineAsync("done").ConfigureAwait(false);
        return 0;
    }

    /// <summary>ResNet-50's trainable parameter sizes in registration order (torchvision's layout): 25,557,032 in all.</summary>
    public static int[] ResNet50ParameterSizes()
    {
        var sizes = new List<int> { 64 * 3 * 7 * 7, 64, 64 };
        var inChannels = 64;
        foreach (var (width, blocks) in new[] { (64, 3), (128, 4), (256, 6), (512, 3) })
        {
            for (var b = 0; b < blocks; b++)
            {
                sizes.AddRange([inChannels * width, width, width, width * width * 9, width, width, width * width * 4, width * 4, width * 4]);
                if (b == 0)
                {
                    sizes.AddRange([inChannels * width * 4, width * 4, width * 4]);
                }
                inChannels = width * 4;
            }
        }
        sizes.AddRange([2048 * 1000, 1000]);
        return [.. sizes];
    }

    private static void Backward(int[] sizes, double workPerElement, Action<int>? onGradient)
    {
        for (var p = sizes.Length - 1; p >= 0; p--)
        {
            Work((long)(sizes[p] * workPerElement));
            onGradient?.Invoke(p);
        }
    }

    private static double Calibrate(TimeSpan target, int elements)
    {
        const long Probe = 20_000_000;
        var clock = Stopwatch.StartNew();
        Work(Probe);
        var perUnit = clock.Elapsed.TotalMilliseconds / Probe;
        return target.TotalMilliseconds / perUnit / elements;
    }

    private static double s_sink;

    // Dependent floating-point arithmetic the JIT cannot remove or vectorise away.
    private static void Work(long units)
    {
        var x = 1.0;
        for (long i = 0; i < units; i++)
        {
            x = (x * 1.0000001) + 1e-9;
        }
        s_sink += x;
    }
}
