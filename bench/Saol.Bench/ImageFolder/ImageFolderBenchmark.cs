using System.Diagnostics;
using System.Globalization;
using Saol.Data.ImageFolder;

namespace Saol.Bench.ImageFolder;

/// <summary>
/// <c>make bench-imagefolder</c>: decode + transform throughput of the ImageFolder path on
/// ImageNet-like JPEGs (500×375, quality 90, 4:2:0, written by PIL), train (RandomResizedCrop + flip)
/// and eval (Resize 256 + CenterCrop 224) pipelines, one thread and <c>--threads</c> threads through
/// <see cref="ImageBatchLoader"/>; the peer is torchvision 0.14 ImageFolder + PIL in one python
/// process on the same files. Ends with <c>imagefolder_train_ratio=&lt;ours 1 thread / torchvision 1 process&gt;</c>.
/// Each side has one untimed warm-up pass.
/// Options: --images N (default 64), --passes N (default 3), --threads N (default processor count).
/// </summary>
internal static class ImageFolderBenchmark
{
    private const string Python = "/usr/bin/python3";

    public static async Task<int> RunAsync(string[] args)
    {
        var images = Option(args, "--images", 64);
        var passes = Option(args, "--passes", 3);
        var threads = Option(args, "--threads", Environment.ProcessorCount);
        var root = Path.Combine(Path.GetTempPath(), "saol-bench-imagefolder-" + Guid.NewGuid().ToString("N")[..8]);
        var script = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "python", "imagefolder_bench.py");
        script = Path.GetFullPath(File.Exists(script) ? script : Path.Combine("bench", "python", "imagefolder_bench.py"));
        try
        {
            await Python3(script, "make", root, images.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            Console.WriteLine($"{images} JPEGs 500x375 q90 4:2:0, {passes} passes, {threads} loader threads");
            var decodeOnly = DecodeOnly(ImageFolderDataset.Open(root), passes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"saol decode only (libjpeg-turbo, full size) 1 thread {decodeOnly:F1} images/s"));
            var ours = new Dictionary<string, double>();
            foreach (var transform in new[] { ImageFolderTransform.Train, ImageFolderTransform.Eval })
            {
                var dataset = ImageFolderDataset.Open(root, new ImageFolderOptions { Transform = transform, Seed = 1 });
                var name = transform.ToString().ToLowerInvariant();
                ours[name] = Sequential(dataset, passes);
                var parallel = Parallel(dataset, passes, threads);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"saol {name} 1 thread {ours[name]:F1} images/s, {threads} threads {parallel:F1} images/s"));
            }
            var peer = await Python3(script, "run", root, passes.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
            var theirs = new Dictionary<string, double>();
            foreach (var line in peer.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split(' ');
                theirs[parts[1]] = double.Parse(parts[2], CultureInfo.InvariantCulture);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"torchvision {parts[1]} 1 process {theirs[parts[1]]:F1} images/s"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"imagefolder_eval_ratio={ours["eval"] / theirs["eval"]:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"imagefolder_train_ratio={ours["train"] / theirs["train"]:F2}"));
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static double Sequential(ImageFolderDataset dataset, int passes)
    {
        var image = new float[3 * dataset.Height * dataset.Width];
        // One untimed pass, so the JIT's tiered compilation has settled before the clock starts.
        for (var i = 0; i < dataset.Count; i++)
        {
            dataset.ReadImage(i, image);
        }
        var timer = Stopwatch.StartNew();
        for (var p = 0; p < passes; p++)
        {
            for (var i = 0; i < dataset.Count; i++)
            {
                dataset.ReadImage(i, p, image);
            }
        }
        return passes * dataset.Count / timer.Elapsed.TotalSeconds;
    }

    private static double DecodeOnly(ImageFolderDataset dataset, int passes)
    {
        dataset.Decode(0);
        var timer = Stopwatch.StartNew();
        for (var p = 0; p < passes; p++)
        {
            for (var i = 0; i < dataset.Count; i++)
            {
                dataset.Decode(i);
            }
        }
        return passes * dataset.Count / timer.Elapsed.TotalSeconds;
    }

    private static double Parallel(ImageFolderDataset dataset, int passes, int threads)
    {
        var loader = new ImageBatchLoader(dataset, threads);
        var all = Enumerable.Range(0, dataset.Count).ToArray();
        loader.Load(all, passes);
        var timer = Stopwatch.StartNew();
        for (var p = 0; p < passes; p++)
        {
            loader.Load(all, p);
        }
        return passes * dataset.Count / timer.Elapsed.TotalSeconds;
    }

    private static async Task<string> Python3(params string[] args)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Python}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Python} {string.Join(' ', args)} failed ({process.ExitCode}): {await error.ConfigureAwait(false)}");
        }
        return await output.ConfigureAwait(false);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
    }
}
