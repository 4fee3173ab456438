using System.Globalization;
using Xunit;
using static Saol.Torch.torch;

namespace Saol.Torch.Tests;

/// <summary>A long training loop must not leak native memory (dispose scopes free every temporary).</summary>
public sealed class MemoryTests
{
    private static long ResidentKilobytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException("VmRSS not found in /proc/self/status");
    }

    [Fact]
    public void TrainingLoop_TwoThousandSteps_ResidentMemoryStaysBounded()
    {
        const int Steps = 2000;
        const int WarmUp = 200;
        // Each step allocates ~1 MB of activations and gradients, so a leak of even one
        // temporary per step would add well over this bound by the end.
        const long BoundKilobytes = 48 * 1024;

        manual_seed(4);
        using var model = nn.Sequential(nn.Conv2d(3, 16, 3, padding: 1), nn.BatchNorm2d(16), nn.ReLU(true), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 8 * 8, 10));
        using var opt = optim.SGD(model.parameters(), 0.01, momentum: 0.9, nesterov: true, weight_decay: 1e-4);
        using var x = randn(8, 3, 16, 16);
        using var y = randint(10, [8]);
        long baseline = 0;
        long peak = 0;
        for (var step = 0; step < Steps; step++)
        {
            using (var scope = NewDisposeScope())
            {
                opt.zero_grad();
                var loss = nn.functional.cross_entropy(model.forward(x), y);
                loss.backward();
                opt.step();
                _ = model.state_dict()["1.running_mean"].grad;
            }
            if (step == WarmUp)
            {
                GC.Collect();
                baseline = ResidentKilobytes();
            }
            else if (step > WarmUp && step % 100 == 0)
            {
                peak = Math.Max(peak, ResidentKilobytes());
            }
        }
        GC.Collect();
        peak = Math.Max(peak, ResidentKilobytes());
        Assert.True(peak - baseline < BoundKilobytes, $"resident memory grew from {baseline} kB to {peak} kB over {Steps - WarmUp} steps");
    }
}
