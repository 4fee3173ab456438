using Saol.Data.ImageFolder;
using Saol.Data.ImageFolder.Internal;
using Saol.Data.Sampling;
using Xunit;

namespace Saol.Data.Tests.ImageFolder;

public sealed class ImageFolderAugmentationTests : IDisposable
{
    private const int Side = 32;
    private readonly JpegTree _tree = new();

    public ImageFolderAugmentationTests()
    {
        _tree.Add("a", "0.jpg", 80, 60, 0);
        _tree.Add("a", "1.jpg", 45, 90, 1);
        _tree.Add("b", "2.jpg", 64, 64, 2);
        _tree.Add("b", "3.jpg", 120, 40, 3);
        _tree.Add("c", "4.jpg", 33, 47, 4);
        _tree.Add("c", "5.jpg", 50, 50, 5);
    }

    public void Dispose() => _tree.Dispose();

    private ImageFolderDataset Open(long seed = 7, double flip = 0.5, ImageFolderTransform transform = ImageFolderTransform.Train) =>
        ImageFolderDataset.Open(_tree.Root, new ImageFolderOptions { Transform = transform, ImageSize = Side, ResizeSize = 40, Seed = seed, FlipProbability = flip });

    private static float[] Read(ImageFolderDataset dataset, int index, int epoch)
    {
        var values = new float[3 * Side * Side];
        dataset.ReadImage(index, epoch, values);
        return values;
    }

    [Fact]
    public void TrainReadImage_SameSeedEpochIndex_IdenticalPixels()
    {
        var first = Open();
        var second = Open();
        for (var i = 0; i < first.Count; i++)
        {
            Assert.Equal(Read(first, i, 3), Read(second, i, 3));
        }
    }

    [Fact]
    public void TrainAugmentation_OtherEpochOrSeed_OtherCrops()
    {
        var dataset = Open();
        var other = Open(seed: 8);
        var epochs = Enumerable.Range(0, 8).Select(e => dataset.TrainAugmentation(0, e, 500, 375)).ToArray();
        Assert.True(epochs.Distinct().Count() >= 7, "the crop should change from epoch to epoch");
        Assert.NotEqual(dataset.TrainAugmentation(0, 0, 500, 375), other.TrainAugmentation(0, 0, 500, 375));
        Assert.NotEqual(dataset.TrainAugmentation(0, 0, 500, 375), dataset.TrainAugmentation(1, 0, 500, 375));
        Assert.Equal(dataset.TrainAugmentation(2, 5, 500, 375), Open().TrainAugmentation(2, 5, 500, 375));
    }

    [Fact]
    public void CropSample_ManySeeds_BoxesInsideImageWithinScaleAndRatio()
    {
        var flips = 0;
        foreach (var (width, height) in new[] { (500, 375), (375, 500), (64, 64), (31, 17), (1, 1), (3000, 2) })
        {
            for (var s = 0; s < 5000; s++)
            {
                var random = new SplitMix64(SplitMix64.Mix(3, width, s));
                var box = RandomResizedCrop.Sample(width, height, (0.08, 1.0), (3.0 / 4.0, 4.0 / 3.0), ref random);
                Assert.InRange(box.Width, 1, width);
                Assert.InRange(box.Height, 1, height);
                Assert.InRange(box.Top, 0, height - box.Height);
                Assert.InRange(box.Left, 0, width - box.Width);
                if (box != RandomResizedCrop.CentreFallback(width, height, (3.0 / 4.0, 4.0 / 3.0)))
                {
                    // A fitted try: area and ratio are the drawn ones up to rounding each side by half a pixel.
                    var area = (double)box.Width * box.Height / ((double)width * height);
                    var slack = ((box.Width + box.Height + 1) * 0.5) / ((double)width * height);
                    Assert.InRange(area, 0.08 - slack, 1.0 + slack);
                    // The drawn w0/h0 is in [3/4, 4/3] and each side moved by at most half a pixel.
                    Assert.True((box.Width + 0.5) / (box.Height - 0.5) >= 3.0 / 4.0 && (box.Width - 0.5) / (box.Height + 0.5) <= 4.0 / 3.0, $"{box} of {width}x{height}");
                }
            }
        }
        var dataset = Open();
        for (var i = 0; i < 4000; i++)
        {
            flips += dataset.TrainAugmentation(i % dataset.Count, i, 100, 100).Flip ? 1 : 0;
        }
        // Binomial(4000, 0.5): 6 standard deviations is ±190; the draws are seeded, so this is fixed.
        Assert.InRange(flips, 1810, 2190);
    }

    [Fact]
    public void CentreFallback_ExtremeAspect_TorchvisionBox()
    {
        // torchvision: in_ratio 20 > 4/3 → h = 50, w = round(50 · 4/3) = 67, i = 0, j = (1000 − 67) // 2.
        Assert.Equal(new CropBox(0, 466, 50, 67), RandomResizedCrop.CentreFallback(1000, 50, (3.0 / 4.0, 4.0 / 3.0)));
        Assert.Equal(new CropBox(466, 0, 67, 50), RandomResizedCrop.CentreFallback(50, 1000, (3.0 / 4.0, 4.0 / 3.0)));
        Assert.Equal(new CropBox(0, 0, 90, 100), RandomResizedCrop.CentreFallback(100, 90, (3.0 / 4.0, 4.0 / 3.0)));
        var random = new SplitMix64(1);
        // No try can fit a 0.08-area crop of ratio ≤ 4/3 into 2 rows: always the fallback.
        Assert.Equal(RandomResizedCrop.CentreFallback(3000, 2, (3.0 / 4.0, 4.0 / 3.0)), RandomResizedCrop.Sample(3000, 2, (0.08, 1.0), (3.0 / 4.0, 4.0 / 3.0), ref random));
    }

    [Fact]
    public void TrainReadImage_FlipAlways_MirrorOfNeverFlipped()
    {
        var flipped = Open(flip: 1.0);
        var plain = Open(flip: 0.0);
        var a = Read(flipped, 1, 2);
        var b = Read(plain, 1, 2);
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < Side; y++)
            {
                for (var x = 0; x < Side; x++)
                {
                    Assert.Equal(b[(c * Side * Side) + (y * Side) + x], a[(c * Side * Side) + (y * Side) + Side - 1 - x]);
                }
            }
        }
    }

    [Fact]
    public void EpochProperty_PlainReadImage_UsesIt()
    {
        var dataset = Open();
        var values = new float[3 * Side * Side];
        dataset.Epoch = 4;
        dataset.ReadImage(2, values);
        Assert.Equal(Read(dataset, 2, 4), values);
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Epoch = -1);
    }

    [Fact]
    public void EvalReadImage_AnyEpoch_SamePixels()
    {
        var dataset = Open(transform: ImageFolderTransform.Eval);
        Assert.Equal(Read(dataset, 3, 0), Read(dataset, 3, 9));
    }

    [Fact]
    public void BatchLoader_FourThreads_SameAsSequentialReads()
    {
        var dataset = Open();
        var loader = new ImageBatchLoader(dataset, threads: 4);
        int[] indices = [5, 0, 3, 3, 1];
        var batch = loader.Load(indices, epoch: 6, TestContext.Current.CancellationToken);
        Assert.Equal((5, 3, Side, Side), (batch.Count, batch.Channels, batch.Height, batch.Width));
        for (var k = 0; k < indices.Length; k++)
        {
            Assert.Equal(Read(dataset, indices[k], 6), batch.Pixels.AsSpan(k * 3 * Side * Side, 3 * Side * Side).ToArray());
            Assert.Equal(dataset.Label(indices[k]), batch.Labels[k]);
        }
    }

    [Fact]
    public async Task BatchLoader_PrefetchAcrossEpochs_EachBatchWithItsEpoch()
    {
        var dataset = Open();
        var loader = new ImageBatchLoader(dataset, threads: 2, depth: 1);
        var requests = Enumerable.Range(0, 6).Select(k => (Epoch: k / 2, Indices: new[] { k % 6, (k + 1) % 6 })).ToArray();
        var seen = 0;
        await foreach (var batch in loader.PrefetchAsync(requests, TestContext.Current.CancellationToken))
        {
            var (epoch, indices) = requests[seen++];
            Assert.Equal(epoch, batch.Epoch);
            Assert.Equal(indices, batch.Indices);
            Assert.Equal(Read(dataset, indices[1], epoch), batch.Pixels.AsSpan(3 * Side * Side).ToArray());
        }
        Assert.Equal(requests.Length, seen);
    }

    [Fact]
    public async Task BatchLoader_ConsumerStopsEarly_ReaderStops()
    {
        var dataset = Open();
        var loader = new ImageBatchLoader(dataset, threads: 1, depth: 1);
        var produced = 0;
        IEnumerable<(int, int[])> Endless()
        {
            for (var k = 0; ; k++)
            {
                Interlocked.Increment(ref produced);
                yield return (0, [k % dataset.Count]);
            }
        }
        var taken = 0;
        await foreach (var batch in loader.PrefetchAsync(Endless(), TestContext.Current.CancellationToken))
        {
            if (++taken == 3)
            {
                break;
            }
        }
        // Bounded: at most the 3 consumed + 1 waiting + 1 being read (+1 requested but refused) were ever requested.
        Assert.InRange(Volatile.Read(ref produced), 3, 6);
    }
}
