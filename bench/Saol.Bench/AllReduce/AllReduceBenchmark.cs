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
    private const string OverlapMemberVerb = "--overlap-member";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == MemberVerb)
        {
            return await RingMemberProcess.RunAsync(args[1..], Console.In, Console.Out).ConfigureAwait(false);
        }
        if (args.Length > 0 && args[0] == OverlapMemberVerb)
        {
            return await RingMemberProcess.RunAsync(args[1..], Console.In, Console.Out, OverlapWorkload.RunAsync).ConfigureAwait(false);
        }
        var iterations = IntOption(args, "--iterations", 5);
        var elements = IntOption(args, "--elements", ResNet50Gradients);
        var segmentBytes = IntOption(args, "--segment-bytes", new CollectiveOptions().SegmentBytes);
        var bytes = elements * 4.0;
        Console.WriteLine($"all-reduce (sum) of {elements:N0} float32 ({bytes / 1e6:0.#} MB), {iterations} timed iterations after 1 warm-up, loopback, {Environment.ProcessorCount} cores");
        Console.WriteLine("ours: each rank a separate process (gRPC ring, float32 wire); gloo: torch.distributed, one python process per rank");
        Console.WriteLine($"{"impl",-9} {"ranks",5} {"median ms",10} {"algbw GB/s",11} {"busbw GB/s",11}");
        var medians = new Dictionary<(string, int), double>();
        foreach (var ranks in new[] { 2, 4 })
        {
            var ours = Median(await RunOursAsync(ranks, elements, iterations, segmentBytes, WireFormat.Float32).ConfigureAwait(false));
            var gloo = Median(RunGloo(ranks, elements, iterations));
            medians[("ours", ranks)] = ours;
            medians[("gloo", ranks)] = gloo;
            Print("ours", ranks, ours, bytes);
            Print("gloo", ranks, gloo, bytes);
        }
        // Not part of the ratio (a different result: bfloat16 rounding each hop): what halving the bytes buys.
        Print("ours-bf16", 4, Median(await RunOursAsync(4, elements, iterations, segmentBytes, WireFormat.BFloat16).ConfigureAwait(false)), bytes);
        await ReportOverlapAsync(iterations, segmentBytes).ConfigureAwait(false);
        Console.WriteLine(FormattableString.Invariant($"allreduce_vs_gloo={medians[("gloo", 4)] / medians[("ours", 4)]:0.###}"));
        return 0;
    }

    /// <summary>Per-iteration times (the slowest rank's) of our ring, one process per rank.</summary>
    private static async Task<double[]> RunOursAsync(int ranks, int elements, int iterations, int segmentBytes, WireFormat wire)
    {
        var lines = await RunMembersAsync(MemberVerb, ranks, elements, iterations + 1, segmentBytes, wire).ConfigureAwait(false);
        var checksums = lines.Select(l => l.Single(x => x.StartsWith("checksum ", StringComparison.Ordinal))).ToArray();
        if (checksums.Distinct().Count() != 1)
        {
            throw new InvalidOperationException("the ranks ended with different results: " + string.Join(", ", checksums));
        }
        // Skip the warm-up iteration; per iteration, the slowest rank's time.
        var times = lines.Select(l => l.Where(x => x.StartsWith("iteration ", StringComparison.Ordinal)).Select(x => Field(x, 2)).Skip(1).ToArray()).ToArray();
        return Enumerable.Range(0, iterations).Select(k => times.Max(t => t[k])).ToArray();
    }

    /// <summary>Simulated ResNet-50 backward with 25 MiB buckets, 2 ranks: how much of the all-reduce it hides.</summary>
    private static async Task ReportOverlapAsync(int iterations, int segmentBytes)
    {
        const int Ranks = 2;
        var lines = await RunMembersAsync(OverlapMemberVerb, Ranks, ResNet50Gradients, iterations, segmentBytes, WireFormat.Float32).ConfigureAwait(false);
        var rows = lines.Select(l => l.Where(x => x.StartsWith("overlap ", StringComparison.Ordinal)).ToArray()).ToArray();
        double MedianOf(int field) => Median([.. Enumerable.Range(0, iterations).Select(k => rows.Max(r => Field(r[k], field)))]);
        var (compute, comm, overlapped) = (MedianOf(1), MedianOf(2), MedianOf(3));
        var hidden = (compute + comm - overlapped) / comm;
        Console.WriteLine(FormattableString.Invariant(
            $"overlap ({Ranks} ranks, simulated ResNet-50 backward ≈ one all-reduce of CPU work, 25 MiB buckets): backward {compute:0} ms, all-reduce {comm:0} ms, both overlapped {overlapped:0} ms, communication hidden {hidden * 100:0}%"));
    }

    /// <summary>Runs <paramref name="ranks"/> member processes to the end; each one's output lines after joining.</summary>
    private static async Task<List<string>[]> RunMembersAsync(string verb, int ranks, int elements, int iterations, int segmentBytes, WireFormat wire)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var entry = typeof(AllReduceBenchmark).Assembly.Location;
        var children = await Task.WhenAll(Enumerable.Range(0, ranks).Select(r => RingMemberChild.StartAsync(entry, ["allreduce", verb],
            new RingMemberProcess.Settings("bench", r, elements, iterations, wire, segmentBytes, TimeSpan.FromSeconds(120)), cts.Token))).ConfigureAwait(false);
        try
        {
            var addresses = children.Select(c => c.Address).ToArray();
            await Task.WhenAll(children.Select(c => c.SendAddressesAsync(addresses))).ConfigureAwait(false);
            var lines = new List<string>[ranks];
            for (var r = 0; r < ranks; r++)
            {
                lines[r] = [];
                while (await children[r].ReadLineAsync(cts.Token).ConfigureAwait(false) is { } line)
                {
                    if (line.StartsWith("error ", StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"rank {r}: {line}");
                    }
                    lines[r].Add(line);
                }
            }
            return lines;
        }
        finally
        {
            foreach (var child in children)
            {
                child.Dispose();
            }
        }
    }

    private static double Field(string line, int index) => double.Parse(line.Split(' ')[index], CultureInfo.InvariantCulture);

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
        Console.WriteLine(FormattableString.Invariant($"{impl,-9} {ranks,5} {medianMs,10:0.0} {algbw,11:0.###} {busbw,11:0.###}"));
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
