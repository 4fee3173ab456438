using Saol.Data.Sampling;

namespace Saol.Data.Synthetic;

/// <summary>
/// A deterministic, learnable image set for tests and smoke runs: every image is low noise with one
/// object box at a random place and size; the class is the orientation of the stripes inside the box,
/// so the label is only visible where the object is (what a spatial attention head should find).
/// Image i of a split is a pure function of (seed, split, i): no files, any size, identical everywhere.
/// </summary>
public sealed class SyntheticImageDataset : IImageDataset
{
    private const float StripePeriod = 4f;

    private readonly long _seed;
    private readonly int _split;

    /// <summary>Creates a split (<paramref name="test"/> picks the held-out stream) of <paramref name="count"/> images.</summary>
    public SyntheticImageDataset(long seed, int count, int imageSize, int classes, bool test)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 8);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        _seed = seed;
        _split = test ? 1 : 0;
        Count = count;
        Height = imageSize;
        Width = imageSize;
        Classes = classes;
    }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public int Channels => 1;

    /// <inheritdoc />
    public int Height { get; }

    /// <inheritdoc />
    public int Width { get; }

    /// <inheritdoc />
    public int Classes { get; }

    /// <inheritdoc />
    public int Label(int index)
    {
        CheckIndex(index);
        return (int)(SplitMix64.Mix(_seed, _split, index, 0) % (ulong)Classes);
    }

    /// <summary>The object box of image <paramref name="index"/>: (x0, y0, side) in pixels.</summary>
    public (int X, int Y, int Side) Box(int index)
    {
        CheckIndex(index);
        var random = new SplitMix64(SplitMix64.Mix(_seed, _split, index, 1));
        var side = (Width / 3) + random.NextInt((Width / 3) + 1);
        var x = random.NextInt(Width - side + 1);
        var y = random.NextInt(Height - side + 1);
        return (x, y, side);
    }

    /// <inheritdoc />
    public void ReadImage(int index, Span<float> destination)
    {
        if (destination.Length != Height * Width)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats; an image needs {Height * Width}", nameof(destination));
        }
        var (bx, by, side) = Box(index);
        var angle = Math.PI * Label(index) / Classes;
        var (cos, sin) = ((float)Math.Cos(angle), (float)Math.Sin(angle));
        var noise = new SplitMix64(SplitMix64.Mix(_seed, _split, index, 2));
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var value = (float)(noise.NextDouble() - 0.5) * 0.2f;
                if (x >= bx && x < bx + side && y >= by && y < by + side)
                {
                    var phase = ((x * cos) + (y * sin)) * (2 * MathF.PI / StripePeriod);
                    value += 1f + MathF.Sin(phase);
                }
                destination[(y * Width) + x] = value;
            }
        }
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {Count})");
        }
    }
}
