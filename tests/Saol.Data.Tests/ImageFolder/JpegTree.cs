using Saol.Data.Jpeg;
using Saol.Data.Sampling;
using Saol.TestKit;

namespace Saol.Data.Tests.ImageFolder;

/// <summary>An ImageFolder tree of JPEGs written with the project's encoder, for tests that need no oracle.</summary>
public sealed class JpegTree : IDisposable
{
    private readonly TempDir _dir = new("saol-jpegtree-");

    public string Root => _dir.Path;

    /// <summary>Writes <c>root/cls/name</c> as a JPEG of a seeded noisy gradient.</summary>
    public string Add(string cls, string name, int width, int height, int seed = 0)
    {
        var path = Path.Combine(Root, cls, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        JpegCodec.EncodeFile(Picture(width, height, seed), path);
        return path;
    }

    /// <summary>Writes raw bytes as <c>root/cls/name</c>.</summary>
    public string AddBytes(string cls, string name, byte[] bytes)
    {
        var path = Path.Combine(Root, cls, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static RgbImage Picture(int width, int height, int seed)
    {
        var random = new SplitMix64((ulong)seed + 1);
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var o = ((y * width) + x) * 3;
                pixels[o] = (byte)(x * 255 / width);
                pixels[o + 1] = (byte)(y * 255 / height);
                pixels[o + 2] = (byte)random.NextInt(256);
            }
        }
        return new RgbImage(width, height, pixels);
    }

    public void Dispose() => _dir.Dispose();
}
