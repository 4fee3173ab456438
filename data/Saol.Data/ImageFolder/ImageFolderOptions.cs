namespace Saol.Data.ImageFolder;

/// <summary>Which of the two standard ImageNet pipelines an <see cref="ImageFolderDataset"/> applies.</summary>
public enum ImageFolderTransform
{
    /// <summary>RandomResizedCrop(<see cref="ImageFolderOptions.ImageSize"/>) + RandomHorizontalFlip + ToTensor + Normalize.</summary>
    Train,

    /// <summary>Resize(<see cref="ImageFolderOptions.ResizeSize"/>) + CenterCrop(<see cref="ImageFolderOptions.ImageSize"/>) + ToTensor + Normalize.</summary>
    Eval,
}

/// <summary>How an <see cref="ImageFolderDataset"/> turns its JPEG files into tensors. Validated by <see cref="ImageFolderDataset.Open"/>.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>The pipeline. Defaults to <see cref="ImageFolderTransform.Eval"/>.</summary>
    public ImageFolderTransform Transform { get; init; } = ImageFolderTransform.Eval;

    /// <summary>Side of the square output images (the crop). Defaults to 224.</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>The shorter side the eval pipeline resizes to before its centre crop; at least <see cref="ImageSize"/>. Defaults to 256.</summary>
    public int ResizeSize { get; init; } = 256;

    /// <summary>The job seed: the train augmentation of image i in epoch e is a pure function of (seed, e, i). Defaults to 0.</summary>
    public long Seed { get; init; }

    /// <summary>RandomResizedCrop's range of the crop area as a fraction of the image area, 0 &lt; min ≤ max ≤ 1. Defaults to (0.08, 1.0).</summary>
    public (double Min, double Max) Scale { get; init; } = (0.08, 1.0);

    /// <summary>RandomResizedCrop's range of the crop aspect ratio (width / height), 0 &lt; min ≤ max. Defaults to (3/4, 4/3).</summary>
    public (double Min, double Max) Ratio { get; init; } = (3.0 / 4.0, 4.0 / 3.0);

    /// <summary>Probability of a horizontal flip in the train pipeline, in [0, 1]. Defaults to 0.5.</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Per-channel (R, G, B) mean subtracted after scaling pixels to [0, 1]. Defaults to ImageNet's (0.485, 0.456, 0.406).</summary>
    public IReadOnlyList<float> Mean { get; init; } = [0.485f, 0.456f, 0.406f];

    /// <summary>Per-channel (R, G, B) standard deviation divided by after the mean. Defaults to ImageNet's (0.229, 0.224, 0.225).</summary>
    public IReadOnlyList<float> Std { get; init; } = [0.229f, 0.224f, 0.225f];

    /// <summary>Uses only the first N samples of the sorted sample list (0 = all) — so only the first classes when N is small, as a job's train/test limit means for the other data sets. Defaults to 0.</summary>
    public int Limit { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ImageSize, nameof(ImageSize));
        if (!Enum.IsDefined(Transform))
        {
            throw new ArgumentOutOfRangeException(nameof(Transform), Transform, "unknown transform");
        }
        if (ResizeSize < ImageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(ResizeSize), ResizeSize, $"the eval resize ({ResizeSize}) must be at least the crop size ({ImageSize})");
        }
        if (!(Scale.Min > 0 && Scale.Min <= Scale.Max && Scale.Max <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Scale), Scale, "the crop scale range must satisfy 0 < min <= max <= 1");
        }
        if (!(Ratio.Min > 0 && Ratio.Min <= Ratio.Max && double.IsFinite(Ratio.Max)))
        {
            throw new ArgumentOutOfRangeException(nameof(Ratio), Ratio, "the crop aspect ratio range must satisfy 0 < min <= max < infinity");
        }
        if (!(FlipProbability >= 0 && FlipProbability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FlipProbability), FlipProbability, "the flip probability must be in [0, 1]");
        }
        ArgumentNullException.ThrowIfNull(Mean, nameof(Mean));
        ArgumentNullException.ThrowIfNull(Std, nameof(Std));
        if (Mean.Count != 3 || Std.Count != 3)
        {
            throw new ArgumentException($"mean and std need 3 values (R, G, B); got {Mean.Count} and {Std.Count}", nameof(Mean));
        }
        if (Std.Any(s => !(s > 0) || !float.IsFinite(s)) || Mean.Any(m => !float.IsFinite(m)))
        {
            throw new ArgumentException("every std must be positive and finite, every mean finite", nameof(Std));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(Limit, nameof(Limit));
    }
}
