using Saol.Data.ImageFolder;
using Saol.Data.ImageFolder.Internal;
using Saol.Data.Jpeg;
using Saol.TestKit;
using Xunit;

namespace Saol.Data.Tests.ImageFolder;

public sealed class ImageFolderErrorTests : IDisposable
{
    private readonly JpegTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static float[] Image(int side = 224) => new float[3 * side * side];

    [Fact]
    public void Open_MissingRoot_DirectoryNotFoundNamingIt()
    {
        var missing = Path.Combine(_tree.Root, "nope");
        var e = Assert.Throws<DirectoryNotFoundException>(() => ImageFolderDataset.Open(missing));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_RootWithFilesOnly_NoClassDirectory()
    {
        File.WriteAllText(Path.Combine(_tree.Root, "x.jpg"), "x");
        var e = Assert.Throws<InvalidDataException>(() => ImageFolderDataset.Open(_tree.Root));
        Assert.Contains("no class sub-directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EmptyClassDirectory_NamesTheClass()
    {
        _tree.Add("full", "a.jpg", 10, 10);
        Directory.CreateDirectory(Path.Combine(_tree.Root, "empty"));
        _tree.AddBytes("texts", "readme.txt", [1, 2, 3]);
        var e = Assert.Throws<InvalidDataException>(() => ImageFolderDataset.Open(_tree.Root));
        Assert.Contains("empty, texts", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("full", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_InvalidOptions_ArgumentExceptions()
    {
        _tree.Add("a", "a.jpg", 10, 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolderDataset.Open(_tree.Root, new ImageFolderOptions { ImageSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolderDataset.Open(_tree.Root, new ImageFolderOptions { ImageSize = 300 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolderDataset.Open(_tree.Root, new ImageFolderOptions { Scale = (0.5, 0.2) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolderDataset.Open(_tree.Root, new ImageFolderOptions { Ratio = (0, 1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolderDataset.Open(_tree.Root, new ImageFolderOptions { FlipProbability = 1.5 }));
        Assert.Throws<ArgumentException>(() => ImageFolderDataset.Open(_tree.Root, new ImageFolderOptions { Std = [1f, 0f, 1f] }));
        Assert.Throws<ArgumentException>(() => ImageFolderDataset.Open(_tree.Root, new ImageFolderOptions { Mean = [0.5f] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFolderDataset.Open(_tree.Root, new ImageFolderOptions { Limit = -1 }));
    }

    [Fact]
    public void ReadImage_BadIndexOrDestination_ArgumentExceptions()
    {
        _tree.Add("a", "a.jpg", 10, 10);
        var dataset = ImageFolderDataset.Open(_tree.Root);
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadImage(1, Image()));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadImage(-1, Image()));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.ReadImage(0, -1, Image()));
        Assert.Throws<ArgumentException>(() => dataset.ReadImage(0, new float[10]));
    }

    [Fact]
    public void ReadImage_TruncatedJpeg_InvalidDataNamingFile()
    {
        var good = JpegCodec.Encode(JpegTree.Picture(64, 48, 1));
        var path = _tree.AddBytes("a", "cut.jpg", good[..(good.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => ImageFolderDataset.Open(_tree.Root).ReadImage(0, Image()));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not a decodable JPEG", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_GarbageAfterJpegMarker_InvalidDataNamingFile()
    {
        var bytes = new byte[4096];
        new Random(5).NextBytes(bytes);
        (bytes[0], bytes[1], bytes[2]) = (0xFF, 0xD8, 0xFF);
        var path = _tree.AddBytes("a", "noise.jpeg", bytes);
        var e = Assert.Throws<InvalidDataException>(() => ImageFolderDataset.Open(_tree.Root).ReadImage(0, Image()));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_PngWithJpgName_SaysPng()
    {
        var path = _tree.AddBytes("a", "n02105855_2933.JPEG", [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]);
        var e = Assert.Throws<InvalidDataException>(() => ImageFolderDataset.Open(_tree.Root).ReadImage(0, Image()));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("is a PNG file, not a JPEG", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_TextAndEmptyFilesWithImageNames_SayWhatTheyAre()
    {
        _tree.AddBytes("a", "a.png", "hello"u8.ToArray());
        _tree.AddBytes("a", "b.jpg", []);
        var dataset = ImageFolderDataset.Open(_tree.Root);
        Assert.Contains("not an image file (it starts with 68656C6C)", Assert.Throws<InvalidDataException>(() => dataset.ReadImage(0, Image())).Message, StringComparison.Ordinal);
        Assert.Contains("is an empty file", Assert.Throws<InvalidDataException>(() => dataset.ReadImage(1, Image())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImage_FileDeletedAfterOpen_IOExceptionNamingFile()
    {
        var path = _tree.Add("a", "gone.jpg", 10, 10);
        var dataset = ImageFolderDataset.Open(_tree.Root);
        File.Delete(path);
        var e = Assert.Throws<IOException>(() => dataset.ReadImage(0, Image()));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchLoader_CorruptImageInBatch_RethrowsNamingFile()
    {
        _tree.Add("a", "0.jpg", 40, 30);
        var bad = _tree.AddBytes("a", "1.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0]);
        _tree.Add("a", "2.jpg", 40, 30);
        var loader = new ImageBatchLoader(ImageFolderDataset.Open(_tree.Root, new ImageFolderOptions { ImageSize = 16, ResizeSize = 16 }), threads: 2);
        Assert.Contains(bad, Assert.Throws<InvalidDataException>(() => loader.Load([0, 1, 2], 0, TestContext.Current.CancellationToken)).Message, StringComparison.Ordinal);

        var seen = 0;
        var e = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var batch in loader.PrefetchAsync([(0, [0]), (0, [2]), (0, [1]), (0, [0])], TestContext.Current.CancellationToken))
            {
                seen++;
            }
        }).DefaultTimeout();
        Assert.Contains(bad, e.Message, StringComparison.Ordinal);
        Assert.Equal(2, seen);
    }

    [Fact]
    public void OpenSplits_SameClasses_TrainAndEvalPipelines()
    {
        _tree.Add("train/b", "1.jpg", 40, 30);
        _tree.Add("train/a", "0.jpg", 40, 30);
        _tree.Add("val/a", "2.jpg", 40, 30);
        _tree.Add("val/b", "3.jpg", 40, 30);
        var (train, val) = ImageFolderDataset.OpenSplits(_tree.Root, new ImageFolderOptions { ImageSize = 16, ResizeSize = 20, Seed = 3 });
        Assert.Equal((ImageFolderTransform.Train, ImageFolderTransform.Eval), (train.Options.Transform, val.Options.Transform));
        Assert.Equal(["a", "b"], ImageFolderDataset.FindClasses(Path.Combine(_tree.Root, "val")));
        Assert.Equal((2, 2, 16, 3L), (train.Count, val.Classes, val.Width, train.Options.Seed));
    }

    [Fact]
    public void OpenSplits_ValClassesDiffer_NamesTheDifference()
    {
        _tree.Add("train/a", "0.jpg", 40, 30);
        _tree.Add("train/b", "1.jpg", 40, 30);
        _tree.Add("val/a", "2.jpg", 40, 30);
        _tree.Add("val/c", "3.jpg", 40, 30);
        var e = Assert.Throws<InvalidDataException>(() => ImageFolderDataset.OpenSplits(_tree.Root));
        Assert.Contains("not in val: b; not in train: c", e.Message, StringComparison.Ordinal);
        Assert.Throws<DirectoryNotFoundException>(() => ImageFolderDataset.OpenSplits(_tree.Root, trainDirectory: "missing"));
    }

    [Fact]
    public void Scan_SymlinkCycle_FollowsLinksOnceAndTerminates()
    {
        _tree.Add("a", "x.jpg", 10, 10);
        _tree.Add("real", "y.jpg", 10, 10);
        Directory.CreateSymbolicLink(Path.Combine(_tree.Root, "a", "loop"), Path.Combine(_tree.Root, "a"));
        Directory.CreateSymbolicLink(Path.Combine(_tree.Root, "b"), Path.Combine(_tree.Root, "real"));
        var dataset = ImageFolderDataset.Open(_tree.Root);
        Assert.Equal(["a", "b", "real"], dataset.ClassNames);
        Assert.Equal([("a/x.jpg", 0), ("b/y.jpg", 1), ("real/y.jpg", 2)], dataset.Samples.Select(s => (Path.GetRelativePath(_tree.Root, s.Path), s.Label)));
    }

    [Fact]
    public void CompareCodePoints_AstralVersusBmp_PythonOrder()
    {
        // UTF-16 ordinal order puts U+1F600 (surrogates D83D…) before U+FF21; Python's code-point order does not.
        string[] names = ["\uFF21", "\U0001F600", "B", "a", "\u00E9"];
        Array.Sort(names, FolderScanner.CodePointOrder);
        Assert.Equal(["B", "a", "\u00E9", "\uFF21", "\U0001F600"], names);
    }
}
