namespace Saol.Data.ImageFolder;

/// <summary>A batch read by <see cref="ImageBatchLoader"/>: images N×C×H×W (float32, row-major) and labels N.</summary>
public sealed class ImageBatch
{
    internal ImageBatch(int epoch, int[] indices, int channels, int height, int width)
    {
        Epoch = epoch;
        Indices = indices;
        Channels = channels;
        Height = height;
        Width = width;
        Pixels = new float[(long)indices.Length * channels * height * width];
        Labels = new long[indices.Length];
    }

    /// <summary>The epoch whose augmentation the images carry.</summary>
    public int Epoch { get; }

    /// <summary>The data set indices of the images, in batch order.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Images N in the batch.</summary>
    public int Count => Labels.Length;

    /// <summary>Channels C.</summary>
    public int Channels { get; }

    /// <summary>Height H.</summary>
    public int Height { get; }

    /// <summary>Width W.</summary>
    public int Width { get; }

    /// <summary>The images, N·C·H·W floats; <c>torch.tensor(Pixels, [N, C, H, W])</c> makes the input tensor.</summary>
    public float[] Pixels { get; }

    /// <summary>The labels, N values (int64, as cross-entropy takes them).</summary>
    public long[] Labels { get; }
}
