using Saol.Data;
using Saol.Data.ImageFolder;
using Saol.Torch;

namespace Saol.Worker.Training;

/// <summary>
/// Reads the images and labels of chosen indices into batch tensors (NCHW float32, int64 labels).
/// Decoded data sets (image folders) are read by <see cref="ImageBatchLoader"/>, up to
/// <c>threads</c> JPEGs at once, with the augmentation of the batch's epoch; in-memory data sets
/// (Fashion-MNIST, synthetic) are copied on the calling thread, where threads would only add overhead.
/// </summary>
internal sealed class BatchLoader(IImageDataset dataset, int threads)
{
    private readonly ImageBatchLoader _loader = new(dataset, dataset is IAugmentedImageDataset ? threads : 1);

    public IImageDataset Dataset => dataset;

    /// <summary>The images decoded at once.</summary>
    public int Threads => _loader.Threads;

    /// <summary>Reads a batch; <paramref name="epoch"/> selects the random augmentation of an augmented data set (ignored by the others).</summary>
    public (Tensor Images, Tensor Labels) Load(ReadOnlySpan<int> indices, int epoch)
    {
        var batch = _loader.Load(indices, epoch);
        var images = torch.tensor<float>(batch.Pixels, [batch.Count, batch.Channels, batch.Height, batch.Width]);
        return (images, torch.tensor<long>(batch.Labels, [batch.Count]));
    }
}
