using System.Buffers;
using Saol.Data.ImageFolder.Internal;
using Saol.Data.Jpeg;
using Saol.Data.Sampling;

namespace Saol.Data.ImageFolder;

/// <summary>
/// A directory of JPEG images, one sub-directory per class, with torchvision.datasets.ImageFolder's
/// semantics (class = index of the sorted sub-directory name; samples in torchvision's order) and the
/// standard ImageNet transforms (see <see cref="ImageFolderOptions"/>): 3 × ImageSize × ImageSize,
/// float32, normalised. Opening only lists the files; each read decodes one file with libjpeg-turbo.
/// Reads are thread-safe.
/// </summary>
public sealed class ImageFolderDataset : IAugmentedImageDataset
{
    // Keeps the augmentation streams apart from the other users of SplitMix64.Mix(seed, …) (sampler, trainer).
    private const long AugmentationDomain = 0x1A6E_F01D;

    private readonly string[] _classes;
    private readonly (string Path, int Label)[] _samples;
    private readonly ImageTransform _transform;
    private readonly ImageFolderOptions _options;
    private volatile int _epoch;

    private ImageFolderDataset(string root, string[] classes, (string Path, int Label)[] samples, ImageFolderOptions options)
    {
        Root = root;
        _classes = classes;
        _samples = samples;
        _options = options;
        _transform = new ImageTransform(options);
    }

    /// <summary>
    /// Lists <paramref name="root"/> (e.g. <c>/data/imagenet/train</c>) and prepares the transform.
    /// Use one instance per split: the train split with <see cref="ImageFolderTransform.Train"/>, the
    /// validation split with <see cref="ImageFolderTransform.Eval"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="InvalidDataException">The root has no class directory, or a class has no image file.</exception>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public static ImageFolderDataset Open(string root, ImageFolderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        options ??= new ImageFolderOptions();
        options.Validate();
        var (classes, samples) = FolderScanner.Scan(root);
        if (options.Limit > 0 && options.Limit < samples.Length)
        {
            samples = samples[..options.Limit];
        }
        return new ImageFolderDataset(root, classes, samples, options);
    }

    /// <summary>
    /// Opens the two splits of an ImageNet-style tree, <c>root/train/&lt;class&gt;/…</c> with the train
    /// pipeline and <c>root/val/&lt;class&gt;/…</c> with the eval pipeline (the options' transform is
    /// ignored), and checks that both have the same classes, so label k means the same in both.
    /// </summary>
    /// <param name="root">The data set directory.</param>
    /// <param name="options">Image size, seed and augmentation ranges; <see cref="ImageFolderOptions.Limit"/> applies to both splits.</param>
    /// <param name="trainDirectory">The training split's sub-directory. Defaults to "train".</param>
    /// <param name="valDirectory">The validation split's sub-directory. Defaults to "val".</param>
    /// <exception cref="InvalidDataException">A split is malformed or the splits' classes differ.</exception>
    public static (ImageFolderDataset Train, ImageFolderDataset Val) OpenSplits(string root, ImageFolderOptions? options = null, string trainDirectory = "train", string valDirectory = "val")
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        options ??= new ImageFolderOptions();
        var trainClasses = FindClasses(Path.Combine(root, trainDirectory));
        var valClasses = FindClasses(Path.Combine(root, valDirectory));
        if (!trainClasses.SequenceEqual(valClasses))
        {
            var missing = trainClasses.Except(valClasses).Take(5).ToArray();
            var extra = valClasses.Except(trainClasses).Take(5).ToArray();
            throw new InvalidDataException($"the splits '{trainDirectory}' ({trainClasses.Count} classes) and '{valDirectory}' ({valClasses.Count} classes) of '{root}' have different classes"
                + (missing.Length > 0 ? $"; not in {valDirectory}: {string.Join(", ", missing)}" : "")
                + (extra.Length > 0 ? $"; not in {trainDirectory}: {string.Join(", ", extra)}" : "")
                + " (the validation images must be sorted into the same class sub-directories)");
        }
        var train = Open(Path.Combine(root, trainDirectory), options with { Transform = ImageFolderTransform.Train });
        var val = Open(Path.Combine(root, valDirectory), options with { Transform = ImageFolderTransform.Eval });
        return (train, val);
    }

    /// <summary>
    /// The class names of <paramref name="root"/> in label order (its sorted sub-directories), without
    /// listing the images — cheap enough for planning a job (the class count fixes the model's output).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="InvalidDataException">The root has no class directory.</exception>
    public static IReadOnlyList<string> FindClasses(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        return FolderScanner.FindClasses(root);
    }

    /// <summary>The directory the data set was opened from.</summary>
    public string Root { get; }

    /// <summary>The class names (sub-directory names) in label order.</summary>
    public IReadOnlyList<string> ClassNames => _classes;

    /// <summary>The sample files in index order with their labels.</summary>
    public IReadOnlyList<(string Path, int Label)> Samples => _samples;

    /// <summary>The transform options.</summary>
    public ImageFolderOptions Options => _options;

    /// <inheritdoc />
    public (IReadOnlyList<float> Mean, IReadOnlyList<float> Std)? Normalization => (_options.Mean, _options.Std);

    /// <summary>
    /// The epoch whose augmentation <see cref="ReadImage(int, Span{float})"/> applies (like
    /// DistributedSampler.set_epoch); set it when an epoch starts. Loaders that may read ahead across
    /// an epoch boundary use <see cref="ReadImage(int, int, Span{float})"/> instead. Defaults to 0.
    /// </summary>
    public int Epoch
    {
        get => _epoch;
        set => _epoch = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the epoch must not be negative");
    }

    internal ImageTransform Transform => _transform;

    /// <inheritdoc />
    public int Count => _samples.Length;

    /// <inheritdoc />
    public int Channels => 3;

    /// <inheritdoc />
    public int Height => _options.ImageSize;

    /// <inheritdoc />
    public int Width => _options.ImageSize;

    /// <inheritdoc />
    public int Classes => _classes.Length;

    /// <summary>The seed of the train augmentation of image <paramref name="index"/> in <paramref name="epoch"/> under job seed <paramref name="seed"/>.</summary>
    public static ulong SampleSeed(long seed, int epoch, int index) => SplitMix64.Mix(seed, AugmentationDomain, epoch, index);

    /// <inheritdoc />
    public int Label(int index) => _samples[CheckIndex(index)].Label;

    /// <inheritdoc />
    public void ReadImage(int index, Span<float> destination) => ReadImage(index, _epoch, destination);

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The file is not a decodable JPEG; the message names it.</exception>
    /// <exception cref="IOException">The file cannot be read; the message names it.</exception>
    public void ReadImage(int index, int epoch, Span<float> destination)
    {
        CheckIndex(index);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var size = 3 * _options.ImageSize * _options.ImageSize;
        if (destination.Length != size)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats; an image needs {size}", nameof(destination));
        }
        using var image = DecodePooled(index);
        _transform.Apply(image, SampleSeed(_options.Seed, epoch, index), destination);
    }

    /// <summary>Decodes sample <paramref name="index"/> at full size, without any transform.</summary>
    /// <exception cref="InvalidDataException">The file is not a decodable JPEG; the message names it.</exception>
    public RgbImage Decode(int index)
    {
        using var image = DecodePooled(index);
        return new RgbImage(image.Width, image.Height, image.Pixels.ToArray());
    }

    internal PooledRgb DecodePooled(int index)
    {
        var (path, label) = _samples[CheckIndex(index)];
        var what = $"image {index} of class '{_classes[label]}' ('{path}')";
        var bytes = Array.Empty<byte>();
        try
        {
            int length;
            try
            {
                length = ReadFile(path, ref bytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"{what} cannot be read: {e.Message}", e);
            }
            var file = bytes.AsSpan(0, length);
            var format = ImageSignature.NonJpegFormat(file);
            if (format is not null)
            {
                throw new InvalidDataException($"{what} is {format}, not a JPEG; only JPEG files are supported (convert it to JPEG)");
            }
            try
            {
                return PilJpegDecoder.Decode(file);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{what} is not a decodable JPEG: {e.Message}", e);
            }
        }
        finally
        {
            if (bytes.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    /// <summary>Reads the whole file into a buffer rented from the shared pool (compressed ImageNet files are ~110 kB: large objects too).</summary>
    private static int ReadFile(string path, ref byte[] buffer)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength)
        {
            throw new IOException($"the file is {length} bytes, too large for an image");
        }
        buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(length, 1));
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(handle, buffer.AsSpan(read, (int)length - read), read);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        return read;
    }

    /// <summary>The crop box (top, left, height, width) and flip the train pipeline applies to a <paramref name="width"/>×<paramref name="height"/> image <paramref name="index"/> in <paramref name="epoch"/>.</summary>
    public ((int Top, int Left, int Height, int Width) Crop, bool Flip) TrainAugmentation(int index, int epoch, int width, int height)
    {
        CheckIndex(index);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var (box, flip) = _transform.TrainParameters(width, height, SampleSeed(_options.Seed, epoch, index));
        return ((box.Top, box.Left, box.Height, box.Width), flip);
    }

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)_samples.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {_samples.Length})");
        }
        return index;
    }
}
