using Saol.Data.FashionMnist.Internal;

namespace Saol.Data.FashionMnist;

/// <summary>Which half of Fashion-MNIST to read.</summary>
public enum FashionMnistSplit
{
    /// <summary>The 60,000 training images (<c>train-*</c> files).</summary>
    Train,

    /// <summary>The 10,000 test images (<c>t10k-*</c> files).</summary>
    Test,
}

/// <summary>
/// Fashion-MNIST (Xiao et al., 2017) read from its IDX files: 28×28 grey-scale images, 10 classes.
/// The Debian package <c>dataset-fashion-mnist</c> installs the gzip-compressed files under
/// <see cref="DefaultDirectory"/>; uncompressed files with the same names minus <c>.gz</c> are read too.
/// </summary>
public sealed class FashionMnistDataset
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Image height and width in pixels.</summary>
    public const int Side = 28;

    /// <summary>The number of classes.</summary>
    public const int ClassCount = 10;

    private static readonly string[] s_classNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private readonly byte[] _pixels;
    private readonly byte[] _labels;

    private FashionMnistDataset(byte[] pixels, byte[] labels)
    {
        _pixels = pixels;
        _labels = labels;
    }

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames => s_classNames;

    /// <summary>The number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>All pixels, image after image, row-major, 0 (background) to 255.</summary>
    public ReadOnlyMemory<byte> Pixels => _pixels;

    /// <summary>All labels (0..9), one per image.</summary>
    public ReadOnlyMemory<byte> Labels => _labels;

    /// <summary>The 784 pixels of one image.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _pixels.AsSpan(index * Side * Side, Side * Side);
    }

    /// <summary>The label of one image.</summary>
    public byte Label(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _labels[index];
    }

    /// <summary>Reads one split from <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">The image or label file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not a valid IDX file or the two files disagree.</exception>
    public static FashionMnistDataset Load(string directory, FashionMnistSplit split)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var prefix = split switch
        {
            FashionMnistSplit.Train => "train",
            FashionMnistSplit.Test => "t10k",
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split"),
        };
        var imagesPath = Locate(directory, prefix + "-images-idx3-ubyte");
        var labelsPath = Locate(directory, prefix + "-labels-idx1-ubyte");
        var images = IdxReader.Read(imagesPath, expectedRank: 3);
        var labels = IdxReader.Read(labelsPath, expectedRank: 1);
        if (images.Dimensions[1] != Side || images.Dimensions[2] != Side)
        {
            throw new InvalidDataException($"{imagesPath}: images are {images.Dimensions[1]}x{images.Dimensions[2]}, expected {Side}x{Side}");
        }
        if (images.Dimensions[0] != labels.Dimensions[0])
        {
            throw new InvalidDataException($"{imagesPath} holds {images.Dimensions[0]} images but {labelsPath} holds {labels.Dimensions[0]} labels");
        }
        foreach (var label in labels.Data)
        {
            if (label >= ClassCount)
            {
                throw new InvalidDataException($"{labelsPath}: label {label} is outside 0..{ClassCount - 1}");
            }
        }
        return new FashionMnistDataset(images.Data, labels.Data);
    }

    private static string Locate(string directory, string name)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException($"Fashion-MNIST file {name}(.gz) not found in {directory} (Debian package dataset-fashion-mnist installs it under {DefaultDirectory})", Path.Combine(directory, name + ".gz"));
    }
}
