using System.Buffers;
using Saol.Data.Sampling;

namespace Saol.Data.ImageFolder.Internal;

/// <summary>
/// The standard ImageNet pipelines on a decoded image, written as CHW float32:
/// train = RandomResizedCrop + RandomHorizontalFlip, eval = Resize(shorter side) + CenterCrop; both
/// then ToTensor (÷255) and Normalize((x − mean) / std), in float32 as torchvision computes them.
/// </summary>
internal sealed class ImageTransform
{
    private readonly ImageFolderOptions _options;
    private readonly float[] _lookup;

    internal ImageTransform(ImageFolderOptions options)
    {
        _options = options;
        // ToTensor + Normalize of an 8-bit value depend only on (channel, value): 3 × 256 floats.
        _lookup = new float[3 * 256];
        for (var c = 0; c < 3; c++)
        {
            for (var v = 0; v < 256; v++)
            {
                _lookup[(c * 256) + v] = ((v / 255f) - options.Mean[c]) / options.Std[c];
            }
        }
    }

    internal int Size => _options.ImageSize;

    /// <summary>torchvision's <c>_compute_resized_output_size</c> for a single size: the shorter side becomes <paramref name="size"/>, the longer is truncated.</summary>
    internal static (int Width, int Height) ResizedShorterSide(int width, int height, int size)
    {
        var (shortSide, longSide) = width <= height ? (width, height) : (height, width);
        var newLong = (int)((double)((long)size * longSide) / shortSide);
        return width <= height ? (size, newLong) : (newLong, size);
    }

    /// <summary>CenterCrop's offset: Python's <c>int(round((in − out) / 2.0))</c>, half to even.</summary>
    internal static int CentreOffset(int inSize, int outSize) => (int)Math.Round((inSize - outSize) / 2.0, MidpointRounding.ToEven);

    /// <summary>The train augmentation of one sample: its crop box and whether it is flipped.</summary>
    internal (CropBox Box, bool Flip) TrainParameters(int width, int height, ulong sampleSeed)
    {
        var random = new SplitMix64(sampleSeed);
        var box = RandomResizedCrop.Sample(width, height, _options.Scale, _options.Ratio, ref random);
        var flip = random.NextDouble() < _options.FlipProbability;
        return (box, flip);
    }

    internal void Apply(PooledRgb image, ulong sampleSeed, Span<float> destination)
    {
        if (_options.Transform == ImageFolderTransform.Train)
        {
            var (box, flip) = TrainParameters(image.Width, image.Height, sampleSeed);
            ApplyCrop(image.Pixels, image.Width, box, flip, destination);
            return;
        }
        var size = _options.ImageSize;
        var (w, h) = ResizedShorterSide(image.Width, image.Height, _options.ResizeSize);
        Resize(image.Pixels, image.Width, new CropBox(0, 0, image.Height, image.Width), w, h, CentreOffset(w, size), CentreOffset(h, size), flip: false, destination);
    }

    /// <summary>torchvision's <c>resized_crop(img, box, [size, size])</c>, then <c>hflip</c> when <paramref name="flip"/>, then ToTensor + Normalize.</summary>
    internal void ApplyCrop(ReadOnlySpan<byte> pixels, int width, CropBox box, bool flip, Span<float> destination)
    {
        var size = _options.ImageSize;
        Resize(pixels, width, box, size, size, 0, 0, flip, destination);
    }

    private void Resize(ReadOnlySpan<byte> pixels, int width, CropBox region, int outWidth, int outHeight, int windowX, int windowY, bool flip, Span<float> destination)
    {
        var size = _options.ImageSize;
        var output = ArrayPool<byte>.Shared.Rent(size * size * 3);
        try
        {
            var window = output.AsSpan(0, size * size * 3);
            PilBilinear.Resize(pixels, width, region.Left, region.Top, region.Width, region.Height, outWidth, outHeight, windowX, windowY, size, size, window);
            ToTensor(window, size, flip, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    private void ToTensor(ReadOnlySpan<byte> pixels, int size, bool flip, Span<float> destination)
    {
        var plane = size * size;
        for (var y = 0; y < size; y++)
        {
            var row = pixels.Slice(y * size * 3, size * 3);
            for (var x = 0; x < size; x++)
            {
                var source = 3 * (flip ? size - 1 - x : x);
                var target = (y * size) + x;
                destination[target] = _lookup[row[source]];
                destination[plane + target] = _lookup[256 + row[source + 1]];
                destination[(2 * plane) + target] = _lookup[512 + row[source + 2]];
            }
        }
    }
}
