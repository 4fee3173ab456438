using Saol.Data.FashionMnist;
using Saol.Data.ImageFolder;
using Saol.Data.Synthetic;

namespace Saol.Data.Sources;

/// <summary>Which data set a job trains on and how much of it; opens its splits.</summary>
/// <param name="Kind">"fashion-mnist", "synthetic" or "imagefolder".</param>
/// <param name="Path">The IDX directory (fashion-mnist), or the training split's directory (imagefolder).</param>
/// <param name="TrainLimit">Uses only the first N training images (0 = all).</param>
/// <param name="TestLimit">Uses only the first N test images (0 = all).</param>
/// <param name="Seed">The job seed: the synthetic images and the imagefolder train augmentation derive from it.</param>
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
    /// <summary>The validation split's directory (imagefolder), sorted into the same class sub-directories as <see cref="Path"/>. Defaults to null.</summary>
    public string? ValPath { get; init; }

    /// <summary>Side of the square crops the imagefolder pipelines produce; the eval resize is ImageSize·8/7 (224 → 256). Defaults to 224.</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Per-channel (R, G, B) normalisation mean of imagefolder images; null for ImageNet's. Defaults to null.</summary>
    public (float R, float G, float B)? Mean { get; init; }

    /// <summary>Per-channel (R, G, B) normalisation standard deviation of imagefolder images; null for ImageNet's. Defaults to null.</summary>
    public (float R, float G, float B)? Std { get; init; }

    /// <summary>The number of training images, without loading them (imagefolder: a file listing).</summary>
    public int TrainCount()
    {
        var full = Kind switch
        {
            "fashion-mnist" => FashionMnistImages.CountImages(RequirePath(), FashionMnistSplit.Train),
            "synthetic" => SyntheticTrainSize,
            "imagefolder" => ImageFolderDataset.Open(RequirePath(), new ImageFolderOptions { Limit = TrainLimit }).Count,
            _ => throw Unknown(),
        };
        return TrainLimit > 0 ? Math.Min(TrainLimit, full) : full;
    }

    /// <summary>Channels, side and classes of the images (imagefolder: lists the class directories of the training split).</summary>
    public (int Channels, int Side, int Classes) Shape() => Kind switch
    {
        "fashion-mnist" => (1, FashionMnistDataset.Side, FashionMnistDataset.ClassCount),
        "synthetic" => (1, SyntheticImageSize, SyntheticClasses),
        "imagefolder" => (3, ImageSize, ImageFolderDataset.FindClasses(RequirePath()).Count),
        _ => throw Unknown(),
    };

    /// <summary>Opens the training or test split.</summary>
    public IImageDataset Open(bool test) => Kind switch
    {
        "fashion-mnist" => new FashionMnistImages(FashionMnistDataset.Load(RequirePath(), test ? FashionMnistSplit.Test : FashionMnistSplit.Train), test ? TestLimit : TrainLimit),
        "synthetic" => new SyntheticImageDataset(Seed, test ? SyntheticTestSize : SyntheticTrainSize, SyntheticImageSize, SyntheticClasses, test),
        "imagefolder" => ImageFolderDataset.Open(test ? RequireValPath() : RequirePath(), ImageFolderOptions(test)),
        _ => throw Unknown(),
    };

    private ImageFolderOptions ImageFolderOptions(bool test)
    {
        var options = new ImageFolderOptions
        {
            Transform = test ? ImageFolderTransform.Eval : ImageFolderTransform.Train,
            ImageSize = ImageSize,
            // torchvision's ImageNet recipe: Resize(256) + CenterCrop(224), the same ratio at other sizes.
            ResizeSize = ImageSize * 8 / 7,
            Seed = Seed,
            Limit = test ? TestLimit : TrainLimit,
        };
        if (Mean is { } m)
        {
            options = options with { Mean = [m.R, m.G, m.B] };
        }
        if (Std is { } s)
        {
            options = options with { Std = [s.R, s.G, s.B] };
        }
        return options;
    }

    private string RequirePath() => Path ?? throw new InvalidOperationException($"the {Kind} data set needs a path");

    private string RequireValPath() => ValPath ?? throw new InvalidOperationException($"the {Kind} data set needs a validation path");

    private ArgumentException Unknown() => new($"unknown data set kind '{Kind}'", nameof(Kind));
}
