using System.Diagnostics;
using System.Globalization;
using Saol.Torch;
using static Saol.Torch.torch;

namespace Saol.Bench.Binding;

/// <summary>
/// `make bench-binding`: one ResNet-50 training step (forward, backward, SGD) through the binding
/// and through PyTorch (bench/python/binding_resnet50.py, a child process of this run) on the same
/// libtorch; prints images/s of both and ends with <c>binding_vs_pytorch=&lt;ours/pytorch&gt;</c>.
/// </summary>
internal static class BindingBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = Options.Parse(args);
        Console.WriteLine($"binding: ResNet-50 (torchvision layout) training step, batch {o.Batch}, {o.Image}x{o.Image}, " +
                          $"{o.Threads} threads, {o.Warmup} warm-up + {o.Steps} measured steps each, alternating ours and PyTorch's, median");

        // The peer builds its model and warms up while we do the same.
        using var peer = await PyTorchPeer.StartAsync(o).ConfigureAwait(false);

        set_num_threads(o.Threads);
        manual_seed(0);
        using var model = new ResNet50();
        model.train();
        using var opt = optim.SGD(model.parameters(), 0.1, momentum: 0.9, weight_decay: 1e-4);
        using var x = randn(o.Batch, 3, o.Image, o.Image);
        using var y = randint(1000, [o.Batch]);

        void Step()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(x), y);
            loss.backward();
            opt.step();
        }

        for (var i = 0; i < o.Warmup; i++)
        {
            Step();
        }
        await peer.WaitReadyAsync().ConfigureAwait(false);

        // Alternating steps see the same load from whatever else runs on the machine.
        var ours = new double[o.Steps];
        var theirs = new double[o.Steps];
        for (var i = 0; i < o.Steps; i++)
        {
            var start = Stopwatch.GetTimestamp();
            Step();
            ours[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            theirs[i] = await peer.StepAsync().ConfigureAwait(false);
        }
        await peer.QuitAsync().ConfigureAwait(false);

        Console.WriteLine($"ours    : {Describe(ours, o.Batch)}");
        Console.WriteLine($"pytorch : {Describe(theirs, o.Batch)}");
        var ratio = Median(theirs) / Median(ours);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"binding_vs_pytorch={ratio:F3}"));
        return 0;
    }

    private static string Describe(double[] steps, int batch) => string.Create(CultureInfo.InvariantCulture,
        $"{batch / Median(steps):F2} images/s (median {Median(steps):F3} s/step; steps {string.Join(' ', steps.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))})");

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>bench/python/binding_resnet50.py in interactive mode: one timed step per request.</summary>
    private sealed class PyTorchPeer : IDisposable
    {
        private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(20);
        private readonly Process _process;
        private readonly Task<string> _stderr;

        private PyTorchPeer(Process process)
        {
            _process = process;
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public static Task<PyTorchPeer> StartAsync(Options o)
        {
            var psi = new ProcessStartInfo("/usr/bin/python3")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var script = Path.Combine(RepoRoot(), "bench", "python", "binding_resnet50.py");
            foreach (var a in new[] { script, "--batch", $"{o.Batch}", "--image", $"{o.Image}", "--threads", $"{o.Threads}", "--warmup", $"{o.Warmup}", "--interactive" })
            {
                psi.ArgumentList.Add(a);
            }
            var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
            return Task.FromResult(new PyTorchPeer(process));
        }

        public async Task WaitReadyAsync()
        {
            var line = await ReadLineAsync().ConfigureAwait(false);
            if (line != "ready")
            {
                throw new InvalidOperationException($"the PyTorch peer said '{line}' instead of 'ready'");
            }
        }

        public async Task<double> StepAsync()
        {
            await _process.StandardInput.WriteLineAsync("step").ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            var line = await ReadLineAsync().ConfigureAwait(false);
            return double.Parse(line, CultureInfo.InvariantCulture);
        }

        public async Task QuitAsync()
        {
            await _process.StandardInput.WriteLineAsync("quit").ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            using var cts = new CancellationTokenSource(s_timeout);
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }

        private async Task<string> ReadLineAsync()
        {
            using var cts = new CancellationTokenSource(s_timeout);
            var line = await _process.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false);
            if (line is null)
            {
                await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                throw new InvalidOperationException($"the PyTorch peer exited ({_process.ExitCode}): {await _stderr.ConfigureAwait(false)}");
            }
            return line.Trim();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Saol.Distributed.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Saol.Distributed.sln not found above " + AppContext.BaseDirectory);
    }

    private sealed record Options(int Batch, int Image, int Threads, int Warmup, int Steps)
    {
        public static Options Parse(string[] args)
        {
            var values = new Dictionary<string, int>(StringComparer.Ordinal)
            {
                ["--batch"] = 16,
                ["--image"] = 224,
                ["--threads"] = 2,
                ["--warmup"] = 2,
                ["--steps"] = 5,
            };
            for (var i = 0; i < args.Length; i += 2)
            {
                if (!values.ContainsKey(args[i]) || i + 1 >= args.Length || !int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var v) || v <= 0)
                {
                    throw new ArgumentException($"usage: binding [--batch N] [--image N] [--threads N] [--warmup N] [--steps N] (bad argument '{args[i]}')");
                }
                values[args[i]] = v;
            }
            return new Options(values["--batch"], values["--image"], values["--threads"], values["--warmup"], values["--steps"]);
        }
    }
}
