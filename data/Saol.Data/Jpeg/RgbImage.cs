namespace Saol.Data.Jpeg;

/// <summary>An 8-bit RGB image in row-major, interleaved (height × width × 3) layout.</summary>
public sealed class RgbImage
{
    /// <summary>Wraps <paramref name="pixels"/>, which must hold exactly <c>width·height·3</c> bytes.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if ((long)width * height * 3 != pixels.LongLength)
        {
            throw new ArgumentException($"a {width}x{height} RGB image needs {(long)width * height * 3} bytes, got {pixels.LongLength}", nameof(pixels));
        }
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixels: row after row, each pixel R, G, B.</summary>
    public byte[] Pixels { get; }
}
