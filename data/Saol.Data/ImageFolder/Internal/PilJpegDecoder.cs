using System.Buffers;
using System.Runtime.InteropServices;
using Saol.Data.Jpeg.Internal;

namespace Saol.Data.ImageFolder.Internal;

/// <summary>
/// Decodes a JPEG to the RGB pixels torchvision's loader (<c>Image.open(f).convert("RGB")</c>,
/// Pillow 9 over libjpeg-turbo) produces, where the plain codec is stricter or narrower:
/// <list type="bullet">
/// <item>libjpeg warnings about damaged but decodable data (e.g. "extraneous bytes before marker",
/// common in ImageNet) are accepted as Pillow accepts them; a file that ends early ("Premature end of
/// JPEG file") is refused, as Pillow refuses it ("image file is truncated").</item>
/// <item>CMYK and YCCK JPEGs (ImageNet's training set holds a few) are decoded as CMYK, taken as
/// Adobe-inverted (Pillow's "CMYK;I" raw mode) and converted with Pillow's
/// <c>x = (255 − K) − MULDIV255(C, 255 − K)</c>.</item>
/// </list>
/// Full size, accurate integer DCT and fancy up-sampling, as Pillow decodes.
/// </summary>
internal static partial class PilJpegDecoder
{
    private const int PixelFormatCmyk = 11; // TJPF_CMYK
    private const int ColorspaceCmyk = 3; // TJCS_CMYK
    private const int ColorspaceYcck = 4; // TJCS_YCCK
    private const int ErrorWarning = 0; // TJERR_WARNING
    private const string PrematureEnd = "Premature end of JPEG file"; // libjpeg's JWRN_JPEG_EOF

    /// <exception cref="InvalidDataException">Not a JPEG, truncated, or damaged beyond decoding.</exception>
    internal static unsafe PooledRgb Decode(ReadOnlySpan<byte> jpeg)
    {
        using var handle = Interop.tjInitDecompress();
        if (handle.IsInvalid)
        {
            throw new InvalidOperationException("tjInitDecompress failed: libturbojpeg could not create a handle");
        }
        fixed (byte* src = jpeg)
        {
            if (Interop.tjDecompressHeader3(handle, src, (nuint)jpeg.Length, out var width, out var height, out _, out var colorspace) != 0)
            {
                throw new InvalidDataException("not a JPEG: " + handle.LastError());
            }
            var cmyk = colorspace is ColorspaceCmyk or ColorspaceYcck;
            var channels = cmyk ? 4 : 3;
            if (width <= 0 || height <= 0 || (long)width * height * channels > Array.MaxLength)
            {
                throw new InvalidDataException($"JPEG size {width}x{height} is not supported");
            }
            var image = new PooledRgb(width, height);
            var cmykBuffer = cmyk ? ArrayPool<byte>.Shared.Rent(width * height * 4) : null;
            try
            {
                fixed (byte* dst = cmyk ? cmykBuffer : image.Pixels)
                {
                    if (Interop.tjDecompress2(handle, src, (nuint)jpeg.Length, dst, width, width * channels, height, cmyk ? PixelFormatCmyk : Interop.PixelFormatRgb, Interop.FlagAccurateDct) != 0)
                    {
                        var message = handle.LastError();
                        if (tjGetErrorCode(handle) != ErrorWarning || message.Contains(PrematureEnd, StringComparison.Ordinal))
                        {
                            throw new InvalidDataException("JPEG decoding failed: " + message);
                        }
                    }
                }
                if (cmykBuffer is not null)
                {
                    CmykToRgb(cmykBuffer, image.Pixels);
                }
                return image;
            }
            catch
            {
                image.Dispose();
                throw;
            }
            finally
            {
                if (cmykBuffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(cmykBuffer);
                }
            }
        }
    }

    private static void CmykToRgb(ReadOnlySpan<byte> cmyk, Span<byte> rgb)
    {
        for (var p = 0; p < rgb.Length / 3; p++)
        {
            var nk = cmyk[(4 * p) + 3]; // stored inverted: this is 255 − K
            for (var c = 0; c < 3; c++)
            {
                var t = ((255 - cmyk[(4 * p) + c]) * nk) + 128;
                rgb[(3 * p) + c] = (byte)(nk - (((t >> 8) + t) >> 8));
            }
        }
    }

    [LibraryImport(Interop.LibraryName)]
    private static partial int tjGetErrorCode(TurboJpegHandle handle);
}
