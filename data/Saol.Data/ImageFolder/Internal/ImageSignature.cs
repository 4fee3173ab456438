namespace Saol.Data.ImageFolder.Internal;

/// <summary>Recognises the other image formats ImageFolder's extensions admit, so a non-JPEG file gets a precise message.</summary>
internal static class ImageSignature
{
    /// <summary>"a PNG file", "a BMP file", …, "not an image file (…)", or null when the bytes start like a JPEG.</summary>
    internal static string? NonJpegFormat(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        {
            return null;
        }
        if (bytes.IsEmpty)
        {
            return "an empty file";
        }
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']))
        {
            return "a PNG file";
        }
        if (bytes.StartsWith("GIF8"u8))
        {
            return "a GIF file";
        }
        if (bytes.StartsWith("BM"u8))
        {
            return "a BMP file";
        }
        if (bytes.StartsWith("II*\0"u8) || bytes.StartsWith("MM\0*"u8))
        {
            return "a TIFF file";
        }
        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return "a WebP file";
        }
        if (bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] >= (byte)'1' && bytes[1] <= (byte)'6')
        {
            return "a PNM (PPM/PGM) file";
        }
        return $"not an image file (it starts with {Convert.ToHexString(bytes[..Math.Min(4, bytes.Length)])})";
    }
}
