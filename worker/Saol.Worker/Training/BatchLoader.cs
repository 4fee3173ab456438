using Saol.Data;
using Saol.Torch;

namespace Saol.Worker.Training;

/// <summary>Copies images and labels of chosen indices into batch tensors (NCHW float32, int64 labels).</summary>
internal sealed class BatchLoader(IImageDataset dataset)
{
    private readonly int _imageSize = dataset.Channels * dataset.Height * dataset.Width;

    public IImageDataset Dataset => dataset;

    public (Tensor Images, Tensor Labels) Load(ReadOnlySpan<int> indices)
    {
        var pixels = new float[indices.Length * _imageSize];
        var labels = new long[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            dataset.ReadImage(indices[i], pixels.AsSpan(i * _imageSize, _imageSize));
            labels[i] = dataset.Label(indices[i]);
        }
        var images = torch.tensor<float>(pixels, [indices.Length, dataset.Channels, dataset.Height, dataset.Width]);
        return (images, torch.tensor<long>(labels, [indices.Length]));
    }
}
