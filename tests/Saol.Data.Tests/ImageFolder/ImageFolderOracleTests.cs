using Saol.Data.ImageFolder;
using Saol.Data.ImageFolder.Internal;
using Saol.Data.Sampling;
using Xunit;

namespace Saol.Data.Tests.ImageFolder;

/// <summary>Our ImageFolder against torchvision 0.14 + PIL on the same JPEG files.</summary>
public sealed class ImageFolderOracleTests(TorchvisionOracle oracle) : IClassFixture<TorchvisionOracle>
{
    // One 8-bit level after Normalize (1 / (255 · smallest std)): decoding and resampling are meant
    // to be bit-exact; a different libjpeg build could move a pixel by one level, never more.
    private const float OneLevel = 1f / (255f * 0.224f) + 1e-5f;

    [Fact]
    public void Open_TorchvisionTree_SameClassesAndSampleOrder()
    {
        oracle.Require();
        var expected = oracle.Json("eval.json");
        var dataset = ImageFolderDataset.Open(oracle.Root);

        Assert.Equal(expected.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!), dataset.ClassNames);
        foreach (var entry in expected.GetProperty("class_to_idx").EnumerateObject())
        {
            Assert.Equal(entry.Value.GetInt32(), dataset.ClassNames.ToList().IndexOf(entry.Name));
        }
        var samples = expected.GetProperty("samples").EnumerateArray().Select(s => (s[0].GetString()!, s[1].GetInt32())).ToArray();
        Assert.Equal(samples, dataset.Samples.Select(s => (Path.GetRelativePath(oracle.Root, s.Path), s.Label)));
        Assert.Equal(samples.Length, dataset.Count);
        Assert.Equal(4, dataset.Classes);
        Assert.Contains(dataset.Samples, s => s.Path.EndsWith("cmyk.jpg", StringComparison.Ordinal));
        Assert.Equal((3, 224, 224), (dataset.Channels, dataset.Height, dataset.Width));
    }

    [Fact]
    public void EvalTransform_TorchvisionResizeCenterCrop_WithinOneLevel()
    {
        oracle.Require();
        var expected = oracle.Floats("eval.f32");
        var dataset = ImageFolderDataset.Open(oracle.Root, new ImageFolderOptions { Transform = ImageFolderTransform.Eval });
        Assert.Equal(dataset.Count * TorchvisionOracle.ImageFloats, expected.Length);
        var actual = new float[TorchvisionOracle.ImageFloats];
        for (var i = 0; i < dataset.Count; i++)
        {
            dataset.ReadImage(i, actual);
            AssertClose(expected.AsSpan(i * actual.Length, actual.Length), actual, dataset.Samples[i].Path);
        }
    }

    [Fact]
    public void EvalTransform_SmallSizesStrongDownscale_WithinOneLevel()
    {
        oracle.Require();
        var expected = oracle.Floats("eval_small.f32");
        var dataset = ImageFolderDataset.Open(oracle.Root, new ImageFolderOptions { Transform = ImageFolderTransform.Eval, ResizeSize = 57, ImageSize = 50 });
        var actual = new float[3 * 50 * 50];
        Assert.Equal(dataset.Count * actual.Length, expected.Length);
        for (var i = 0; i < dataset.Count; i++)
        {
            dataset.ReadImage(i, actual);
            AssertClose(expected.AsSpan(i * actual.Length, actual.Length), actual, dataset.Samples[i].Path);
        }
    }

    [Fact]
    public void TrainCrop_TorchvisionResizedCropAndFlip_WithinOneLevel()
    {
        oracle.Require();
        var expected = oracle.Floats("crops.f32");
        var boxes = oracle.Json("crops.json").EnumerateArray().ToArray();
        var dataset = ImageFolderDataset.Open(oracle.Root, new ImageFolderOptions { Transform = ImageFolderTransform.Train });
        var actual = new float[TorchvisionOracle.ImageFloats];
        for (var k = 0; k < boxes.Length; k++)
        {
            var b = boxes[k];
            var index = b.GetProperty("index").GetInt32();
            var box = new CropBox(b.GetProperty("top").GetInt32(), b.GetProperty("left").GetInt32(), b.GetProperty("height").GetInt32(), b.GetProperty("width").GetInt32());
            var image = dataset.Decode(index);
            dataset.Transform.ApplyCrop(image.Pixels, image.Width, box, b.GetProperty("flip").GetBoolean(), actual);
            AssertClose(expected.AsSpan(k * actual.Length, actual.Length), actual, $"{dataset.Samples[index].Path} crop {box}");
        }
    }

    [Fact]
    public void CropParameters_ManyDraws_TorchvisionDistribution()
    {
        oracle.Require();
        foreach (var stats in oracle.Json("params.json").EnumerateArray())
        {
            var width = stats.GetProperty("width").GetInt32();
            var height = stats.GetProperty("height").GetInt32();
            var n = stats.GetProperty("n").GetInt32();
            var draws = new double[n, 4];
            var fallback = RandomResizedCrop.CentreFallback(width, height, (3.0 / 4.0, 4.0 / 3.0));
            var fallbacks = 0;
            for (var s = 0; s < n; s++)
            {
                var random = new SplitMix64(SplitMix64.Mix(11, width, height, s));
                var box = RandomResizedCrop.Sample(width, height, (0.08, 1.0), (3.0 / 4.0, 4.0 / 3.0), ref random);
                (draws[s, 0], draws[s, 1], draws[s, 2], draws[s, 3]) = (box.Top, box.Left, box.Height, box.Width);
                fallbacks += box == fallback ? 1 : 0;
            }
            // The share of centre-crop fallbacks, compared within 5 binomial standard errors (+1 draw).
            var share = (double)fallbacks / n;
            var expectedShare = stats.GetProperty("fallback").GetDouble();
            var shareError = Math.Sqrt(((share * (1 - share)) + (expectedShare * (1 - expectedShare))) / n);
            Assert.True(Math.Abs(share - expectedShare) <= (5 * shareError) + (1.0 / n), $"{width}x{height}: centre fallback in {share:P2} of draws vs torchvision {expectedShare:P2}");
            if (expectedShare > 0.5)
            {
                // Mostly the fixed fallback box: the moments are those of a few rare fitting draws, too few to compare.
                continue;
            }
            var expectedMean = stats.GetProperty("mean").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var expectedStd = stats.GetProperty("std").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            for (var c = 0; c < 4; c++)
            {
                var mean = Enumerable.Range(0, n).Average(s => draws[s, c]);
                var std = Math.Sqrt(Enumerable.Range(0, n).Average(s => (draws[s, c] - mean) * (draws[s, c] - mean)));
                // Two independent samples of 20,000: their means differ by more than 5 standard errors
                // with probability below 1e-6, and both streams are seeded, so this cannot flake.
                var standardError = Math.Sqrt(((std * std) + (expectedStd[c] * expectedStd[c])) / n);
                Assert.True(Math.Abs(mean - expectedMean[c]) <= (5 * standardError) + 1e-9, $"{width}x{height} parameter {"ijhw"[c]}: mean {mean} vs torchvision {expectedMean[c]} (SE {standardError})");
                Assert.True(Math.Abs(std - expectedStd[c]) <= (0.05 * expectedStd[c]) + 0.5, $"{width}x{height} parameter {"ijhw"[c]}: std {std} vs torchvision {expectedStd[c]}");
            }
        }
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        var worst = 0f;
        var differing = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var d = Math.Abs(expected[i] - actual[i]);
            worst = Math.Max(worst, d);
            differing += d > 1e-6f ? 1 : 0;
        }
        Assert.True(worst <= OneLevel, $"{what}: max |diff| {worst} > one 8-bit level {OneLevel} ({differing} values differ)");
        // Off-by-one levels may only be rare rounding accidents, not a systematic resampling difference.
        Assert.True(differing <= actual.Length / 100, $"{what}: {differing} of {actual.Length} values differ from torchvision");
    }
}
