using Saol.Data.Sampling;
using Saol.Data.Synthetic;
using Xunit;

namespace Saol.Coordinator.Tests;

public sealed class DistributedSamplerTests
{
    [Fact]
    public void Indices_TwoRanks_UnionOfEachBatchEqualsTheSingleRankBatch()
    {
        const int n = 103;
        const int b = 8;
        var single = new DistributedSampler(n, 1, 0, seed: 5).Indices(epoch: 3);
        var r0 = new DistributedSampler(n, 2, 0, seed: 5).Indices(3);
        var r1 = new DistributedSampler(n, 2, 1, seed: 5).Indices(3);
        for (var t = 0; t < 6; t++)
        {
            var union = r0.Skip(t * b).Take(b).Concat(r1.Skip(t * b).Take(b)).Order();
            Assert.Equal(single.Skip(t * 2 * b).Take(2 * b).Order(), union);
        }
    }

    [Fact]
    public void Indices_NotAMultipleOfWorldSize_PadsByWrappingLikeTorch()
    {
        const int n = 10;
        var samplers = Enumerable.Range(0, 4).Select(r => new DistributedSampler(n, 4, r, seed: 1)).ToArray();
        var permutation = samplers[0].Permutation(0);
        Assert.All(samplers, s => Assert.Equal(3, s.SamplesPerRank));
        // total_size = 12: positions 10 and 11 repeat permutation[0] and permutation[1].
        var padded = permutation.Concat(permutation.Take(2)).ToArray();
        for (var r = 0; r < 4; r++)
        {
            Assert.Equal(padded.Where((_, i) => i % 4 == r), samplers[r].Indices(0));
        }
    }

    [Fact]
    public void Permutation_SameSeedAndEpoch_IsIdentical_OtherEpoch_Differs()
    {
        var a = new DistributedSampler(1000, 2, 0, seed: 9);
        var b = new DistributedSampler(1000, 2, 1, seed: 9);
        Assert.Equal(a.Permutation(4), b.Permutation(4));
        Assert.NotEqual(a.Permutation(4), a.Permutation(5));
        Assert.NotEqual(a.Permutation(4), new DistributedSampler(1000, 2, 0, seed: 10).Permutation(4));
        Assert.Equal(Enumerable.Range(0, 1000), a.Permutation(4).Order());
    }

    [Fact]
    public void Indices_FromOffset_AreTheTailOfTheEpoch()
    {
        var sampler = new DistributedSampler(77, 3, 2, seed: 3);
        Assert.Equal(sampler.Indices(1).Skip(10), sampler.Indices(1, offset: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Indices(1, offset: sampler.SamplesPerRank + 1));
    }

    [Fact]
    public void StepsPerEpoch_DropsThePartialBatch()
    {
        Assert.Equal(6, DistributedSampler.StepsPerEpoch(103, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => DistributedSampler.StepsPerEpoch(10, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(10, 2, 2, 0));
    }

    [Fact]
    public void Shuffle_Off_KeepsDatasetOrder()
    {
        Assert.Equal([1, 3, 5, 7, 9], new DistributedSampler(10, 2, 1, 0, shuffle: false).Indices(0));
    }

    [Fact]
    public void SyntheticImages_AreDeterministicAndDifferBetweenSplits()
    {
        var train = new SyntheticImageDataset(seed: 4, count: 50, imageSize: 16, classes: 4, test: false);
        var again = new SyntheticImageDataset(seed: 4, count: 50, imageSize: 16, classes: 4, test: false);
        var test = new SyntheticImageDataset(seed: 4, count: 50, imageSize: 16, classes: 4, test: true);
        var x = new float[256];
        var y = new float[256];
        var z = new float[256];
        train.ReadImage(17, x);
        again.ReadImage(17, y);
        test.ReadImage(17, z);
        Assert.Equal(x, y);
        Assert.NotEqual(x, z);
        Assert.Equal(Enumerable.Range(0, 4), Enumerable.Range(0, 50).Select(train.Label).Distinct().Order());
        // The object lies inside its box: the box is brighter than the background on average.
        var (bx, by, side) = train.Box(17);
        var inside = 0.0;
        var outside = 0.0;
        for (var i = 0; i < 256; i++)
        {
            var (px, py) = (i % 16, i / 16);
            if (px >= bx && px < bx + side && py >= by && py < by + side) { inside += x[i]; } else { outside += x[i]; }
        }
        Assert.True(inside / (side * side) > 0.5 && Math.Abs(outside / Math.Max(1, 256 - (side * side))) < 0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => train.Label(50));
        Assert.Throws<ArgumentException>(() => train.ReadImage(0, new float[10]));
    }
}
