namespace Saol.Bench;

/// <summary>The benchmarks by name, as <c>make bench-&lt;name&gt;</c> calls them.</summary>
internal static class BenchmarkRegistry
{
    private static readonly Dictionary<string, Func<string[], Task<int>>> s_benchmarks = new(StringComparer.Ordinal)
    {
        ["saol"] = SaolOverhead.SaolBenchmark.RunAsync,
        ["imagefolder"] = ImageFolder.ImageFolderBenchmark.RunAsync,
        ["rpc"] = Rpc.RpcBenchmark.RunAsync,
        ["allreduce"] = AllReduce.AllReduceBenchmark.RunAsync,
        ["binding"] = Binding.BindingBenchmark.RunAsync,
    };

    public static IEnumerable<string> Names => s_benchmarks.Keys;

    public static bool TryGet(string name, out Func<string[], Task<int>> run) => s_benchmarks.TryGetValue(name, out run!);
}
