using Saol.Torch;
using static Saol.Torch.torch;

namespace Saol.Data.FashionMnist;

/// <summary>Batches of Fashion-MNIST as tensors.</summary>
public static class FashionMnistTensors
{
    /// <summary>
    /// Images [n, channels, 28, 28] (float32, pixels/255, the grey value repeated over
    /// <paramref name="channels"/>, so RGB networks take them) and labels [n] (int64) of the given images.
    /// </summary>
    public static (Tensor Images, Tensor Labels) Batch(this FashionMnistDataset dataset, ReadOnlySpan<int> indices, int channels = 1)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        const int pixels = FashionMnistDataset.Side * FashionMnistDataset.Side;
        var values = new float[indices.Length * channels * pixels];
        var labels = new long[indices.Length];
        for (var n = 0; n < indices.Length; n++)
        {
            var image = dataset.Image(indices[n]);
            labels[n] = dataset.Label(indices[n]);
            for (var c = 0; c < channels; c++)
            {
                var offset = ((n * channels) + c) * pixels;
                for (var i = 0; i < pixels; i++)
                {
                    values[offset + i] = image[i] / 255f;
                }
            }
        }
        return (tensor(values, [indices.Length, channels, FashionMnistDataset.Side, FashionMnistDataset.Side]), tensor(labels, [indices.Length]));
    }
}
