using Saol.Data.FashionMnist;
using Saol.Data.Synthetic;

namespace Saol.Data.Sources;

/// <summary>Which data set a job trains on and how much of it; opens its splits.</summary>
/// <param name="Kind">"fashion-mnist" or "synthetic".</param>
/// <param name="Path">The IDX directory (fashion-mnist).</param>
/// <param name="TrainLimit">Uses only the first N training images (0 = all).</param>
/// <param name="TestLimit">Uses only the first N test images (0 = all).</param>
/// <param name="Seed">The seed of the synthetic images.</param>
/// <param name="SyntheticTrainSize">Training images of the synthetic set.</param>
/// <param name="SyntheticTestSize">Test images of the synthetic set.</param>
/// <param name="SyntheticImageSize">Side of the synthetic images.</param>
/// <param name="SyntheticClasses">Classes of the synthetic set.</param>
public sealed record DatasetDescriptor(
    string Kind,
    string? Path,
    int TrainLimit,
    int TestLimit,
    long Seed,
    int SyntheticTrainSize,
    int SyntheticTestSize,
    int SyntheticImageSize,
    int SyntheticClasses)
{
    /// <summary>The number of training images, without loading them.</summary>
    public int TrainCount()
    {
        var full = Kind switch
        {
            "fashion-mnist" => FashionMnistImages.CountImages(RequirePath(), FashionMnistSplit.Train),
            "synthetic" => SyntheticTrainSize,
            _ => throw Unknown(),
        };
        return TrainLimit > 0 ? Math.Min(TrainLimit, full) : full;
    }

    /// <summary>Channels, side and classes of the images.</summary>
    public (int Channels, int Side, int Classes) Shape() => Kind switch
    {
        "fashion-mnist" => (1, FashionMnistDataset.Side, FashionMnistDataset.ClassCount),
        "synthetic" => (1, SyntheticImageSize, SyntheticClasses),
        _ => throw Unknown(),
    };

    /// <summary>Opens the training or test split.</summary>
    public IImageDataset Open(bool test) => Kind switch
    {
        "fashion-mnist" => new FashionMnistImages(FashionMnistDataset.Load(RequirePath(), test ? FashionMnistSplit.Test : FashionMnistSplit.Train), test ? TestLimit : TrainLimit),
        "synthetic" => new SyntheticImageDataset(Seed, test ? SyntheticTestSize : SyntheticTrainSize, SyntheticImageSize, SyntheticClasses, test),
        _ => throw Unknown(),
    };

    private string RequirePath() => Path ?? throw new InvalidOperationException("the fashion-mnist data set needs a path");

    private ArgumentException Unknown() => new($"unknown data set kind '{Kind}'", nameof(Kind));
}
