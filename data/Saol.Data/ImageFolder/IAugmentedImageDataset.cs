namespace Saol.Data.ImageFolder;

/// <summary>
/// An image set whose random augmentation of an image changes from epoch to epoch but is a pure
/// function of (job seed, epoch, index) — so a resumed run and any number of ranks or loader threads
/// see exactly the same pixels.
/// </summary>
public interface IAugmentedImageDataset : IImageDataset
{
    /// <summary>Writes image <paramref name="index"/> as augmented in <paramref name="epoch"/> into <paramref name="destination"/> (C·H·W floats).</summary>
    void ReadImage(int index, int epoch, Span<float> destination);
}
