using System.Buffers.Binary;
using System.IO.Compression;
using Saol.Data.FashionMnist;

namespace Saol.Data.Sources;

/// <summary>Fashion-MNIST as an <see cref="IImageDataset"/>: 1×28×28, normalised with the training set's mean and std.</summary>
public sealed class FashionMnistImages : IImageDataset
{
    /// <summary>Mean of the training pixels scaled to [0, 1].</summary>
    public const float Mean = 0.2860f;

    /// <summary>Standard deviation of the training pixels scaled to [0, 1].</summary>
    public const float Std = 0.3530f;

    private readonly FashionMnistDataset _data;
    private readonly int _count;

    /// <summary>Wraps a loaded split, using only its first <paramref name="limit"/> images when positive.</summary>
    public FashionMnistImages(FashionMnistDataset data, int limit = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        _data = data;
        _count = limit > 0 ? Math.Min(limit, data.Count) : data.Count;
    }

    /// <inheritdoc />
    public int Count => _count;

    /// <inheritdoc />
    public int Channels => 1;

    /// <inheritdoc />
    public int Height => FashionMnistDataset.Side;

    /// <inheritdoc />
    public int Width => FashionMnistDataset.Side;

    /// <inheritdoc />
    public int Classes => FashionMnistDataset.ClassCount;

    /// <inheritdoc />
    public (IReadOnlyList<float> Mean, IReadOnlyList<float> Std)? Normalization => ([Mean], [Std]);

    /// <inheritdoc />
    public IReadOnlyList<string>? ClassNames => FashionMnistDataset.ClassNames;

    /// <inheritdoc />
    public int Label(int index) => _data.Label(CheckIndex(index));

    /// <inheritdoc />
    public void ReadImage(int index, Span<float> destination)
    {
        var pixels = _data.Image(CheckIndex(index));
        if (destination.Length != pixels.Length)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats; an image needs {pixels.Length}", nameof(destination));
        }
        for (var i = 0; i < pixels.Length; i++)
        {
            destination[i] = ((pixels[i] / 255f) - Mean) / Std;
        }
    }

    /// <summary>
    /// The number of images of a split, read from the label file's IDX header only (8 bytes), so the
    /// coordinator can plan a job without loading the images.
    /// </summary>
    /// <exception cref="FileNotFoundException">The label file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not an IDX label file.</exception>
    public static int CountImages(string directory, FashionMnistSplit split)
    {
        var name = (split == FashionMnistSplit.Train ? "train" : "t10k") + "-labels-idx1-ubyte";
        var gz = Path.Combine(directory, name + ".gz");
        var plain = Path.Combine(directory, name);
        using Stream file = File.Exists(gz) ? File.OpenRead(gz) : File.Exists(plain) ? File.OpenRead(plain)
            : throw new FileNotFoundException($"Fashion-MNIST label file {name}(.gz) not found in {directory}", gz);
        using Stream stream = File.Exists(gz) ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> header = stackalloc byte[8];
        stream.ReadExactly(header);
        if (BinaryPrimitives.ReadInt32BigEndian(header) != 0x0801)
        {
            throw new InvalidDataException($"{name} in {directory} is not an IDX label file (magic {BinaryPrimitives.ReadInt32BigEndian(header):x8})");
        }
        return BinaryPrimitives.ReadInt32BigEndian(header[4..]);
    }

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {_count})");
        }
        return index;
    }
}
