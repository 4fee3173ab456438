using System.Globalization;
using Saol.Models.Augmentation;
using Saol.TestKit;
using Xunit;

namespace Saol.Models.Tests.Augmentation;

public sealed class CutMixTests
{
    [Fact]
    public void SampleLambda_BetaOneOne_IsUniform()
    {
        var cutMix = new CutMix(1.0, 1.0, seed: 7);
        const int n = 20_000;
        var draws = Enumerable.Range(0, n).Select(_ => cutMix.SampleLambda()).Order().ToArray();
        // Kolmogorov–Smirnov distance to U(0,1); 1.63/sqrt(n) is the 1% critical value.
        var d = draws.Select((v, i) => Math.Max(Math.Abs(v - ((double)i / n)), Math.Abs(v - ((double)(i + 1) / n)))).Max();
        Assert.True(d < 1.63 / Math.Sqrt(n), $"KS distance {d}");
        Assert.InRange(draws.Average(), 0.49, 0.51);
    }

    [Fact]
    public void SampleLambda_BetaTwoTwo_HasBetaMoments()
    {
        var cutMix = new CutMix(1.0, 2.0, seed: 11);
        var draws = Enumerable.Range(0, 20_000).Select(_ => cutMix.SampleLambda()).ToArray();
        // Beta(2,2): mean 1/2, variance ab/((a+b)^2 (a+b+1)) = 4/80 = 0.05.
        var mean = draws.Average();
        var variance = draws.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, 0.49, 0.51);
        Assert.InRange(variance, 0.047, 0.053);
    }

    [Fact]
    public void Sample_BoxesAreClippedAndLambdaMatchesArea()
    {
        var cutMix = new CutMix(1.0, 1.0, seed: 3);
        for (var i = 0; i < 2_000; i++)
        {
            var box = cutMix.Sample(8, 32, 24)!;
            Assert.NotNull(box);
            Assert.InRange(box.Top, 0, 32);
            Assert.InRange(box.Bottom, box.Top, 32);
            Assert.InRange(box.Left, 0, 24);
            Assert.InRange(box.Right, box.Left, 24);
            Assert.Equal(1.0 - (box.Area / (32.0 * 24.0)), box.Lambda, 12);
            Assert.Equal(Enumerable.Range(0, 8), box.Permutation.Order());
        }
    }

    [Fact]
    public void Sample_ProbabilityHalf_MixesAboutHalfTheBatches()
    {
        var cutMix = new CutMix(0.5, 1.0, seed: 5);
        var mixed = Enumerable.Range(0, 10_000).Count(_ => cutMix.Sample(4, 32, 32) is not null);
        // Binomial(10000, 0.5): standard deviation 50; 4 sigma.
        Assert.InRange(mixed, 4_800, 5_200);
        Assert.Null(new CutMix(0.0, 1.0, seed: 5).Sample(4, 32, 32));
    }

    [Fact]
    public void Sample_SameSeed_SameDraws()
    {
        var a = new CutMix(0.5, 1.0, seed: 99);
        var b = new CutMix(0.5, 1.0, seed: 99);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(a.Sample(16, 224, 224)?.ToString(), b.Sample(16, 224, 224)?.ToString());
        }
    }

    [Fact]
    public void Sample_StatisticsMatchCutMixPyTorch()
    {
        Services.RequirePython("numpy");
        // CutMix-PyTorch's rand_bbox and λ recomputation, verbatim in numpy, on a 32x32 image.
        const string script = """
            import numpy as np
            np.random.seed(0)
            def rand_bbox(size, lam):
                W = size[2]; H = size[3]
                cut_rat = np.sqrt(1. - lam)
                cut_w = int(W * cut_rat); cut_h = int(H * cut_rat)
                cx = np.random.randint(W); cy = np.random.randint(H)
                bbx1 = np.clip(cx - cut_w // 2, 0, W); bby1 = np.clip(cy - cut_h // 2, 0, H)
                bbx2 = np.clip(cx + cut_w // 2, 0, W); bby2 = np.clip(cy + cut_h // 2, 0, H)
                return bbx1, bby1, bbx2, bby2
            lams = []; sides = []
            for _ in range(40000):
                lam = np.random.beta(1.0, 1.0)
                a, b, c, d = rand_bbox((8, 3, 32, 32), lam)
                lams.append(1 - ((c - a) * (d - b) / (32 * 32))); sides.append(c - a)
            lams = np.array(lams); sides = np.array(sides)
            print(lams.mean(), lams.std(), sides.mean(), (lams == 1).mean())
            """;
        var result = ProcessRunner.Run(Services.Python, ["-c", script], TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, result.StandardError);
        var expected = result.StandardOutput.Trim().Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

        var cutMix = new CutMix(1.0, 1.0, seed: 2024);
        var boxes = Enumerable.Range(0, 40_000).Select(_ => cutMix.Sample(8, 32, 32)!).ToArray();
        var lambdas = boxes.Select(b => b.Lambda).ToArray();
        var mean = lambdas.Average();
        var std = Math.Sqrt(lambdas.Select(v => (v - mean) * (v - mean)).Average());
        // Two independent samples of 40,000: the means differ by far less than 0.01 unless the semantics differ.
        Assert.InRange(mean - expected[0], -0.01, 0.01);
        Assert.InRange(std - expected[1], -0.01, 0.01);
        Assert.InRange(boxes.Average(b => b.Bottom - b.Top) - expected[2], -0.3, 0.3);
        Assert.InRange(lambdas.Count(l => l == 1.0) / 40_000.0 - expected[3], -0.01, 0.01);
    }

    [Fact]
    public void Constructor_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CutMix(1.5, 1.0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CutMix(0.5, 0.0, 0));
        Assert.Throws<ArgumentException>(() => CutMixBox.FromRegion(0, 4, 0, 4, 8, 8, [0, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => CutMixBox.FromRegion(0, 9, 0, 4, 8, 8, [0]));
    }
}
