using System.IO.Enumeration;

namespace Saol.Data.ImageFolder.Internal;

/// <summary>
/// torchvision.datasets.ImageFolder's file discovery (find_classes + make_dataset, torchvision 0.14):
/// classes are the sorted names of the root's sub-directories (symbolic links followed); each class
/// contributes every file below its directory whose name ends with an image extension
/// (case-insensitive), walked as <c>sorted(os.walk(class_dir, followlinks=True))</c> — directories in
/// the order of their full path strings, files sorted by name within each. Strings sort by Unicode
/// code point, as Python's <c>sorted</c> does, so the index of every sample matches torchvision's.
/// </summary>
internal static class FolderScanner
{
    /// <summary>torchvision's IMG_EXTENSIONS.</summary>
    internal static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    private const int MaxDepth = 64;

    internal static IComparer<string> CodePointOrder { get; } = Comparer<string>.Create(CompareCodePoints);

    /// <summary>Scans <paramref name="root"/>: the class names (index = position) and the (path, class) samples.</summary>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="InvalidDataException">No class directory, or a class without any image file.</exception>
    internal static (string[] Classes, (string Path, int Label)[] Samples) Scan(string root)
    {
        var classes = FindClasses(root);
        var samples = new List<(string, int)>();
        var empty = new List<string>();
        for (var label = 0; label < classes.Length; label++)
        {
            var before = samples.Count;
            var directories = new List<(string Path, List<string> Files)>();
            var classDirectory = Path.Combine(root, classes[label]);
            Walk(classDirectory, RealPath(Path.GetFullPath(classDirectory)), directories, []);
            directories.Sort((a, b) => CompareCodePoints(a.Path, b.Path));
            foreach (var (path, files) in directories)
            {
                files.Sort(CodePointOrder);
                foreach (var file in files)
                {
                    if (IsImageFile(file))
                    {
                        samples.Add((Path.Combine(path, file), label));
                    }
                }
            }
            if (samples.Count == before)
            {
                empty.Add(classes[label]);
            }
        }
        if (empty.Count > 0)
        {
            throw new InvalidDataException($"ImageFolder root '{root}': no image file for the class(es) {string.Join(", ", empty)} (extensions: {string.Join(", ", ImageExtensions)})");
        }
        return (classes, samples.ToArray());
    }

    /// <summary>find_classes: the sorted names of the root's sub-directories.</summary>
    internal static string[] FindClasses(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"ImageFolder root '{root}' does not exist or is not a directory");
        }
        var classes = List(root).Where(e => e.IsDirectory).Select(e => e.Name).ToArray();
        Array.Sort(classes, CodePointOrder);
        if (classes.Length == 0)
        {
            throw new InvalidDataException($"ImageFolder root '{root}' has no class sub-directory (expected <root>/<class>/<image files>)");
        }
        return classes;
    }

    internal static bool IsImageFile(string name) => ImageExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    internal static int CompareCodePoints(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : -1) : 1;
        }
        var i = 0;
        var j = 0;
        while (i < a.Length && j < b.Length)
        {
            var x = NextCodePoint(a, ref i);
            var y = NextCodePoint(b, ref j);
            if (x != y)
            {
                return x < y ? -1 : 1;
            }
        }
        return (a.Length - i).CompareTo(b.Length - j);
    }

    private static int NextCodePoint(string s, ref int index)
    {
        var c = s[index++];
        if (char.IsHighSurrogate(c) && index < s.Length && char.IsLowSurrogate(s[index]))
        {
            return char.ConvertToUtf32(c, s[index++]);
        }
        return c;
    }

    private static void Walk(string directory, string realDirectory, List<(string Path, List<string> Files)> result, HashSet<string> ancestors)
    {
        // followlinks=True can meet a link back to an ancestor; Python would recurse until the path is
        // too long, here the cycle is cut: a directory is not entered again below itself.
        if (!ancestors.Add(realDirectory))
        {
            return;
        }
        if (ancestors.Count > MaxDepth)
        {
            throw new IOException($"the ImageFolder directory '{directory}' is nested more than {MaxDepth} levels deep (a symbolic link cycle?)");
        }
        var files = new List<string>();
        var subdirectories = new List<string>();
        foreach (var entry in List(directory))
        {
            (entry.IsDirectory ? subdirectories : files).Add(entry.Name);
        }
        result.Add((directory, files));
        foreach (var sub in subdirectories)
        {
            Walk(Path.Combine(directory, sub), RealPath(Path.Combine(realDirectory, sub)), result, ancestors);
        }
        ancestors.Remove(realDirectory);
    }

    /// <summary>The path with its last component's links resolved; callers pass a parent that is already real.</summary>
    private static string RealPath(string path)
    {
        var info = new DirectoryInfo(path);
        return Path.TrimEndingDirectorySeparator((info.ResolveLinkTarget(returnFinalTarget: true) ?? info).FullName);
    }

    private static List<(string Name, bool IsDirectory)> List(string directory)
    {
        try
        {
            var enumerable = new FileSystemEnumerable<(string, bool)>(
                directory,
                (ref FileSystemEntry e) => (e.FileName.ToString(), IsDirectoryFollowingLinks(ref e)),
                new EnumerationOptions { IgnoreInaccessible = false, RecurseSubdirectories = false, AttributesToSkip = 0 });
            return [.. enumerable];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot list the ImageFolder directory '{directory}': {e.Message}", e);
        }
    }

    private static bool IsDirectoryFollowingLinks(ref FileSystemEntry entry)
    {
        if ((entry.Attributes & FileAttributes.ReparsePoint) == 0)
        {
            return entry.IsDirectory;
        }
        // A symbolic link: os.scandir's is_dir() and os.walk follow it; a dangling link is a file.
        return Directory.Exists(entry.ToFullPath());
    }
}
