using Saol.Data.Jpeg;
using Saol.TestKit;
using Xunit;

namespace Saol.Models.Tests.Data;

public sealed class JpegCodecTests
{
    private static RgbImage Gradient(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var o = ((y * width) + x) * 3;
                pixels[o] = (byte)(x * 255 / (width - 1));
                pixels[o + 1] = (byte)(y * 255 / (height - 1));
                pixels[o + 2] = (byte)((x + y) % 2 == 0 ? 200 : 180);
            }
        }
        return new RgbImage(width, height, pixels);
    }

    [Fact]
    public void EncodeDecode_Gradient_RoundTripsClosely()
    {
        var image = Gradient(67, 45);
        var jpeg = JpegCodec.Encode(image, quality: 95);
        Assert.Equal(0xFF, jpeg[0]);
        Assert.Equal(0xD8, jpeg[1]);
        var back = JpegCodec.Decode(jpeg);
        Assert.Equal(67, back.Width);
        Assert.Equal(45, back.Height);
        var meanError = image.Pixels.Zip(back.Pixels, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanError < 3.0, $"mean absolute error {meanError}");
    }

    [Fact]
    public void Decode_AgreesWithPillow()
    {
        Services.RequirePython("PIL", "numpy");
        using var dir = new TempDir();
        var path = dir.File("g.jpg");
        JpegCodec.EncodeFile(Gradient(40, 30), path, quality: 80);
        const string script = """
            import sys, numpy as np
            from PIL import Image
            a = np.asarray(Image.open(sys.argv[1]).convert('RGB'))
            open(sys.argv[2], 'wb').write(a.tobytes())
            """;
        var result = ProcessRunner.Run(Services.Python, ["-c", script, path, dir.File("raw")], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.StandardError);
        var pillow = File.ReadAllBytes(dir.File("raw"));
        var ours = JpegCodec.DecodeFile(path).Pixels;
        Assert.Equal(pillow.Length, ours.Length);
        // Both decode with libjpeg-turbo's accurate integer DCT; allow a rounding step from upsampling.
        Assert.True(pillow.Zip(ours, (a, b) => Math.Abs(a - b)).Max() <= 2);
    }

    [Fact]
    public void Decode_Garbage_ThrowsInvalidData()
    {
        var e = Assert.Throws<InvalidDataException>(() => JpegCodec.Decode(new byte[] { 1, 2, 3, 4, 5 }));
        Assert.Contains("not a JPEG", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => JpegCodec.Decode(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Encode_BadQuality_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => JpegCodec.Encode(Gradient(8, 8), quality: 0));
        Assert.Throws<ArgumentException>(() => new RgbImage(4, 4, new byte[10]));
    }
}
