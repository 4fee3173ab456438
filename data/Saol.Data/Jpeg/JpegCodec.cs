using Saol.Data.Jpeg.Internal;

namespace Saol.Data.Jpeg;

/// <summary>JPEG decoding and encoding through libjpeg-turbo (the TurboJPEG API of Debian's <c>libturbojpeg0</c>).</summary>
public static class JpegCodec
{
    /// <summary>Decodes a JPEG (grey-scale, YCbCr or CMYK) to 8-bit RGB.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a decodable JPEG.</exception>
    public static unsafe RgbImage Decode(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.IsEmpty)
        {
            throw new InvalidDataException("empty JPEG data");
        }
        using var handle = Interop.tjInitDecompress();
        ThrowIfInvalid(handle, "tjInitDecompress");
        fixed (byte* src = jpeg)
        {
            if (Interop.tjDecompressHeader3(handle, src, (nuint)jpeg.Length, out var width, out var height, out _, out _) != 0)
            {
                throw new InvalidDataException("not a JPEG: " + handle.LastError());
            }
            if (width <= 0 || height <= 0 || (long)width * height * 3 > Array.MaxLength)
            {
                throw new InvalidDataException($"JPEG size {width}x{height} is not supported");
            }
            var pixels = new byte[(long)width * height * 3];
            fixed (byte* dst = pixels)
            {
                if (Interop.tjDecompress2(handle, src, (nuint)jpeg.Length, dst, width, width * 3, height, Interop.PixelFormatRgb, Interop.FlagAccurateDct) != 0)
                {
                    throw new InvalidDataException("JPEG decoding failed: " + handle.LastError());
                }
            }
            return new RgbImage(width, height, pixels);
        }
    }

    /// <summary>Reads and decodes a JPEG file.</summary>
    public static RgbImage DecodeFile(string path) => Decode(File.ReadAllBytes(path));

    /// <summary>Encodes an RGB image as a baseline JPEG with 4:4:4 chroma (no subsampling).</summary>
    /// <param name="image">The image.</param>
    /// <param name="quality">1 (smallest) to 100 (best). Defaults to 90.</param>
    public static unsafe byte[] Encode(RgbImage image, int quality = 90)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        using var handle = Interop.tjInitCompress();
        ThrowIfInvalid(handle, "tjInitCompress");
        var output = IntPtr.Zero;
        nuint size = 0;
        try
        {
            fixed (byte* src = image.Pixels)
            {
                if (Interop.tjCompress2(handle, src, image.Width, image.Width * 3, image.Height, Interop.PixelFormatRgb, ref output, ref size, Interop.Subsampling444, quality, Interop.FlagAccurateDct) != 0)
                {
                    throw new InvalidOperationException("JPEG encoding failed: " + handle.LastError());
                }
            }
            return new ReadOnlySpan<byte>((void*)output, checked((int)size)).ToArray();
        }
        finally
        {
            if (output != IntPtr.Zero)
            {
                Interop.tjFree(output);
            }
        }
    }

    /// <summary>Encodes <paramref name="image"/> and writes it to <paramref name="path"/>.</summary>
    public static void EncodeFile(RgbImage image, string path, int quality = 90) => File.WriteAllBytes(path, Encode(image, quality));

    private static void ThrowIfInvalid(TurboJpegHandle handle, string call)
    {
        if (handle.IsInvalid)
        {
            throw new InvalidOperationException($"{call} failed: libturbojpeg could not create a handle");
        }
    }
}
