using System.IO.Compression;
using Saol.Data.FashionMnist;
using Saol.TestKit;
using Xunit;

namespace Saol.Models.Tests.Data;

public sealed class FashionMnistTests
{
    [Fact]
    public void Load_DebianDataset_HasPublishedSizesAndBalancedClasses()
    {
        Services.RequirePath(FashionMnistDataset.DefaultDirectory);
        var train = FashionMnistDataset.Load(FashionMnistDataset.DefaultDirectory, FashionMnistSplit.Train);
        var test = FashionMnistDataset.Load(FashionMnistDataset.DefaultDirectory, FashionMnistSplit.Test);

        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        // Fashion-MNIST is exactly balanced: 6,000 training and 1,000 test images per class.
        var counts = new int[10];
        foreach (var label in train.Labels.Span)
        {
            counts[label]++;
        }
        Assert.All(counts, c => Assert.Equal(6_000, c));
        Assert.Equal(28 * 28, test.Image(9_999).Length);
    }

    [Fact]
    public void Load_MatchesPythonReadingOfTheSameFiles()
    {
        Services.RequirePath(FashionMnistDataset.DefaultDirectory);
        Services.RequirePython("numpy");
        var test = FashionMnistDataset.Load(FashionMnistDataset.DefaultDirectory, FashionMnistSplit.Test);
        // An independent reading with numpy: label and pixel sum of a few images.
        const string script = """
            import gzip, numpy as np, sys
            d = sys.argv[1]
            img = np.frombuffer(gzip.open(d + '/t10k-images-idx3-ubyte.gz').read(), np.uint8, offset=16).reshape(-1, 784)
            lab = np.frombuffer(gzip.open(d + '/t10k-labels-idx1-ubyte.gz').read(), np.uint8, offset=8)
            for i in (0, 1, 4321, 9999):
                print(i, int(lab[i]), int(img[i].astype(np.int64).sum()), int(img[i][400]))
            """;
        var result = ProcessRunner.Run(Services.Python, ["-c", script, FashionMnistDataset.DefaultDirectory], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.StandardError);
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ').Select(long.Parse).ToArray();
            var i = (int)f[0];
            Assert.Equal(f[1], test.Label(i));
            Assert.Equal(f[2], test.Image(i).ToArray().Sum(b => (long)b));
            Assert.Equal(f[3], test.Image(i)[400]);
        }
    }

    [Fact]
    public void Load_MissingDirectory_ThrowsFileNotFound()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnistDataset.Load(dir.Path, FashionMnistSplit.Train));
        Assert.Contains("train-images-idx3-ubyte", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruncatedImages_ThrowsInvalidData()
    {
        using var dir = new TempDir();
        WriteIdx(dir.File("t10k-images-idx3-ubyte.gz"), [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]);
        WriteIdx(dir.File("t10k-labels-idx1-ubyte.gz"), [0, 0, 8, 1, 0, 0, 0, 2, 1, 2]);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnistDataset.Load(dir.Path, FashionMnistSplit.Test));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LabelCountDisagrees_ThrowsInvalidData()
    {
        using var dir = new TempDir();
        WriteIdx(dir.File("t10k-images-idx3-ubyte"), [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28, .. new byte[784]]);
        WriteIdx(dir.File("t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 2, 1, 2], gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => FashionMnistDataset.Load(dir.Path, FashionMnistSplit.Test));
        Assert.Contains("labels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongMagic_ThrowsInvalidData()
    {
        using var dir = new TempDir();
        WriteIdx(dir.File("t10k-images-idx3-ubyte"), [0, 0, 0x0d, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28], gzip: false);
        WriteIdx(dir.File("t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 0], gzip: false);
        Assert.Throws<InvalidDataException>(() => FashionMnistDataset.Load(dir.Path, FashionMnistSplit.Test));
    }

    private static void WriteIdx(string path, byte[] bytes, bool gzip = true)
    {
        using var file = File.Create(path);
        if (!gzip)
        {
            file.Write(bytes);
            return;
        }
        using var z = new GZipStream(file, CompressionLevel.Fastest);
        z.Write(bytes);
    }
}
