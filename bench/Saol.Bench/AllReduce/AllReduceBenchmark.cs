using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Saol.Collective;
using Saol.Collective.Internal.Hosting;

namespace Saol.Bench.AllReduce;

/// <summary>
/// <c>make bench-allreduce</c>: all-reduce (sum) of ResNet-50's 25,557,032 float32 gradients with 2
/// and 4 ranks on loopback — ours, each rank a separate process talking gRPC, and gloo's
/// (torch.distributed, N python processes) in the same run. Ends with
/// <c>allreduce_vs_gloo=&lt;gloo time / our time, 4 ranks&gt;</c>.
/// </summary>
internal static class AllReduceBenchmark
{
    private const int ResNet50Gradients = 25_557_032;
    private const string MemberVerb = "--member";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == MemberVerb)
        {
            return await RingMemberProcess.RunAsync(args[1..], Console.In, Console.Out).ConfigureAwait(false);
        }
        var iterations = IntOption(args, "--iterations", 5);
        var elements = IntOption(args, "--elements", ResNet50Gradients);
        var segmentBytes = IntOption(args, "--segment-bytes", new CollectiveOptions().SegmentBytes);
        var bytes = elements * 4.0;
        Console.WriteLine($"all-reduce (sum) of {elements:N0} float32 ({bytes / 1e6:0.#} MB), {iterations} timed iterations after 1 warm-up, loopback, {Environment.ProcessorCount} cores");
        Console.WriteLine("ours: each rank a separate process (gRPC ring, float32 wire); gloo: torch.distributed, one python process per rank");
        Console.WriteLine($"{"impl",-6} {"ranks",5} {"median ms",10} {"algbw GB/s",11} {"busbw GB/s",11}");
        var medians = new Dictionary<(string, int), double>();
        foreach (var ranks in new[] { 2, 4 })
        {
            var ours = Median(await RunOursAsync(ranks, elements, iterations, segmentBytes).ConfigureAwait(false));
            var gloo = Median(RunGloo(ranks, elements, iterations));
            medians[("ours", ranks)] = ours;
            medians[("gloo", ranks)] = gloo;
            Print("ours", ranks, ours, bytes);
            Print("gloo", ranks, gloo, bytes);
        }
        Console.WriteLine(FormattableString.Invariant($"allreduce_vs_gloo={medians[("gloo", 4)] / medians[("ours", 4)]:0.###}"));
        return 0;
    }

    /// <summary>Per-iteration times (the slowest rank's) of our ring, one process per rank.</summary>
    private static async Task<double[]> RunOursAsync(int ranks, int elements, int iterations, int segmentBytes)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var entry = typeof(AllReduceBenchmark).Assembly.Location;
        var children = await Task.WhenAll(Enumerable.Range(0, ranks).Select(r => RingMemberChild.StartAsync(entry, ["allreduce", MemberVerb],
            new RingMemberProcess.Settings("bench", r, elements, iterations + 1, WireFormat.Float32, segmentBytes, TimeSpan.FromSeconds(60)), cts.Token))).ConfigureAwait(false);
        try
        {
            var addresses = children.Select(c => c.Address).ToArray();
            await Task.WhenAll(children.Select(c => c.SendAddressesAsync(addresses))).ConfigureAwait(false);
            var times = new double[ranks][];
            var checksums = new string[ranks];
            for (var r = 0; r < ranks; r++)
            {
                var perRank = new List<double>();
                while (await children[r].ReadLineAsync(cts.Token).ConfigureAwait(false) is { } line)
                {
                    var parts = line.Split(' ', 3);
                    switch (parts[0])
                    {
                        case "iteration":
                            perRank.Add(double.Parse(parts[2], CultureInfo.InvariantCulture));
                            break;
                        case "checksum":
                            checksums[r] = parts[1];
                            break;
                        case "error":
                            throw new InvalidOperationException($"rank {r}: {line}");
                        default:
                            break;
                    }
                }
                times[r] = [.. perRank.Skip(1)];
            }
            if (checksums.Distinct().Count() != 1)
            {
                throw new InvalidOperationException("the ranks ended with different results: " + string.Join(", ", checksums));
            }
            return Enumerable.Range(0, iterations).Select(k => times.Max(t => t[k])).ToArray();
        }
        finally
        {
            foreach (var child in children)
            {
                child.Dispose();
            }
        }
    }

    private static double[] RunGloo(int ranks, int elements, int iterations)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(RepoRoot(), "bench", "python", "allreduce_gloo.py"), ranks.ToString(CultureInfo.InvariantCulture), elements.ToString(CultureInfo.InvariantCulture), iterations.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start python3");
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"allreduce_gloo.py failed ({(process.HasExited ? process.ExitCode : -1)}): {output}");
        }
        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return [.. json.RootElement.GetProperty("times_ms").EnumerateArray().Select(e => e.GetDouble())];
    }

    private static void Print(string impl, int ranks, double medianMs, double bytes)
    {
        var algbw = bytes / (medianMs / 1000) / 1e9;
        var busbw = algbw * 2 * (ranks - 1) / ranks;
        Console.WriteLine(FormattableString.Invariant($"{impl,-6} {ranks,5} {medianMs,10:0.0} {algbw,11:0.###} {busbw,11:0.###}"));
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Saol.Distributed.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Saol.Distributed.sln not found above " + AppContext.BaseDirectory);
    }
}
