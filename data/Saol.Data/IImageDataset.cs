namespace Saol.Data;

/// <summary>A labelled image set, read one image at a time into caller-owned memory (CHW, float32, normalised).</summary>
public interface IImageDataset
{
    /// <summary>Images in the set.</summary>
    int Count { get; }

    /// <summary>Channels C of every image.</summary>
    int Channels { get; }

    /// <summary>Height H of every image.</summary>
    int Height { get; }

    /// <summary>Width W of every image.</summary>
    int Width { get; }

    /// <summary>Classes K; labels are in [0, K).</summary>
    int Classes { get; }

    /// <summary>Writes image <paramref name="index"/> into <paramref name="destination"/> (C·H·W floats, CHW order).</summary>
    void ReadImage(int index, Span<float> destination);

    /// <summary>The label of image <paramref name="index"/>.</summary>
    int Label(int index);

    /// <summary>
    /// The per-channel mean and std the pixels (scaled to [0, 1]) were normalised with, one value per
    /// channel; null when the set is not normalised that way. Tools that feed the trained model a new
    /// image (<c>saol explain</c>) prepare it with these.
    /// </summary>
    (IReadOnlyList<float> Mean, IReadOnlyList<float> Std)? Normalization => null;

    /// <summary>The class names by label; null when the set has none.</summary>
    IReadOnlyList<string>? ClassNames => null;
}
