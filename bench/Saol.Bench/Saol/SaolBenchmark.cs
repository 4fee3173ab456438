using System.Diagnostics;
using System.Globalization;
using Saol.Models;
using Saol.Models.Augmentation;
using Saol.Models.Losses;
using Saol.Torch;
using static Saol.Torch.torch;

namespace Saol.Bench.SaolOverhead;

/// <summary>
/// <c>make bench-saol</c>: ResNet-50 at 224×224 with the GAP-FC head and with SAOL (K = 1000,
/// depthwise-separable SAOL convolutions as on ImageNet). Prints the analytic GMACs of both
/// (the paper: 4.09 → 4.62 GFLOPs, counting multiply-adds) and the measured time of one full
/// training step (CutMix, forward, the head's losses, backward, SGD), ending with
/// <c>saol_overhead=&lt;saol step time / gap-fc step time&gt;</c>.
/// Options: --batch N (default 8), --steps N (default 3), --warmup N (default 1), --size N (default 224).
/// </summary>
internal static class SaolBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var batch = Option(args, "--batch", 8);
        var steps = Option(args, "--steps", 3);
        var warmup = Option(args, "--warmup", 1);
        var size = Option(args, "--size", 224);
        var threads = torch.InitializeThreadsFromEnvironment();
        Console.WriteLine($"resnet50, {size}x{size}, 1000 classes, batch {batch}, {steps} timed steps after {warmup} warm-up, {threads} threads");

        var results = new Dictionary<string, double>();
        foreach (var head in new[] { "gapfc", "saol" })
        {
            using var network = ModelFactory.Create("resnet50", head, 1000, seed: 1);
            var gmacs = network.CountMacs(224, 224) / 1e9;
            var parameters = network.parameters().Sum(p => p.numel());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{head,-6} GMACs(224x224)={gmacs:F3} parameters={parameters / 1e6:F2}M"));
            results[head] = StepSeconds(network, batch, size, steps, warmup);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{head,-6} train step (batch {batch}) = {results[head] * 1000:F0} ms"));
        }
        var peer = RunPeer(batch, steps, warmup, size, threads);
        if (peer is not null)
        {
            foreach (var (head, seconds) in peer)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pytorch {head,-6} train step (batch {batch}) = {seconds * 1000:F0} ms (ours / pytorch = {results[head] / seconds:F2})"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pytorch saol overhead = {peer["saol"] / peer["gapfc"]:F3}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"saol_overhead={results["saol"] / results["gapfc"]:F3}"));
        return Task.FromResult(0);
    }

    private static double StepSeconds(SaolNetwork network, int batch, int size, int steps, int warmup)
    {
        network.train();
        using var optimizer = optim.SGD(network.parameters(), 0.1, momentum: 0.9, weight_decay: 1e-4, nesterov: true);
        var cutMix = new CutMix(1.0, 1.0, seed: 7);
        manual_seed(3);
        using var images = randn([batch, 3, size, size]);
        using var labels = randint(0, 1000, [batch]);
        using var targets = SaolLoss.OneHot(labels, 1000);
        var timer = new Stopwatch();
        for (var i = 0; i < warmup + steps; i++)
        {
            if (i == warmup)
            {
                timer.Start();
            }
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            using var loss = SaolLoss.Compute(network, images, targets, cutMix.Sample(batch, size, size));
            loss.Total.backward();
            optimizer.step();
        }
        return timer.Elapsed.TotalSeconds / steps;
    }

    /// <summary>The same steps in PyTorch (bench/python/saol_step.py over the reference in tests/python/saol), or null without python3-torch.</summary>
    private static Dictionary<string, double>? RunPeer(int batch, int steps, int warmup, int size, int threads)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Saol.Distributed.sln")))
        {
            root = root.Parent;
        }
        const string python = "/usr/bin/python3";
        if (root is null || !File.Exists(python))
        {
            Console.WriteLine("pytorch peer skipped: /usr/bin/python3 or the checkout not found");
            return null;
        }
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(root.FullName, "bench", "python", "saol_step.py"), "--batch", $"{batch}", "--steps", $"{steps}", "--warmup", $"{warmup}", "--size", $"{size}", "--threads", $"{threads}" })
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start python3");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.WriteLine($"pytorch peer failed: {stderr.Result.Trim()}");
            return null;
        }
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture));
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) && v > 0 ? v : fallback;
    }
}
