using System.Diagnostics;
using System.Globalization;
using Saol.Models;
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
    public static Task<int> RunAsync(string[] args) => Task.FromResult(Run(args));

    // Synchronous on purpose: every libtorch call of ours runs on this one thread, as Python's do
    // on its main thread. OpenMP keeps a worker team per calling thread and spins differently
    // once it manages more threads than there are cores, so steps scattered over thread-pool
    // threads would not be comparable with Python's.
    private static int Run(string[] args)
    {
        var o = Options.Parse(args);
        Console.WriteLine($"binding: ResNet-50 (torchvision layout) training step, batch {o.Batch}, {o.Image}x{o.Image}, " +
                          $"{o.Threads} threads, {o.Warmup} warm-up + {o.Steps} measured steps each, alternating ours and PyTorch's, median");

        set_num_threads(o.Threads);
        manual_seed(0);
        // The models library's GAP-FC ResNet-50 is torchvision's resnet50 (same modules, names and init).
        using var model = ModelFactory.Create("resnet50", "gapfc", 1000);
        model.train();
        using var opt = optim.SGD(model.parameters(), 0.1, momentum: 0.9, weight_decay: 1e-4);
        using var x = randn(o.Batch, 3, o.Image, o.Image);
        using var y = randint(1000, [o.Batch]);

        // Same weights and data on both sides (torchvision's parameter names), so both do the
        // same arithmetic. The peer builds its model and warms up while we do the same.
        var weights = Path.Combine(Path.GetTempPath(), $"saol-bench-binding-{Environment.ProcessId}.safetensors");
        var state = new Dictionary<string, Tensor>(model.state_dict(), StringComparer.Ordinal) { ["input.x"] = x, ["input.y"] = y };
        Saol.Torch.Serialization.SafeTensors.Save(state, weights);
        using var peer = PyTorchPeer.Start(o, weights);

        double Step()
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(x).GapLogits, y);
            loss.backward();
            opt.step();
            return loss.item<double>();
        }

        for (var i = 0; i < o.Warmup; i++)
        {
            _ = Step();
        }
        peer.WaitReady();

        // Alternating steps see the same load from whatever else runs on the machine.
        var ours = new double[o.Steps];
        var oursCpu = new double[o.Steps];
        var theirs = new double[o.Steps];
        var theirsCpu = new double[o.Steps];
        var oursLoss = new double[o.Steps];
        var theirsLoss = new double[o.Steps];
        using var self = Process.GetCurrentProcess();
        for (var i = 0; i < o.Steps; i++)
        {
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            oursLoss[i] = Step();
            ours[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            self.Refresh();
            oursCpu[i] = (self.TotalProcessorTime - cpu).TotalSeconds;
            (theirs[i], theirsCpu[i], theirsLoss[i]) = peer.Step();
        }
        peer.Quit();
        File.Delete(weights);

        Console.WriteLine($"ours    : {Describe(ours, o.Batch)}");
        Console.WriteLine($"pytorch : {Describe(theirs, o.Batch)}");
        // Same weights, data and step count: the losses must agree, or the comparison is void.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"loss per step: ours {string.Join(' ', oursLoss.Select(l => l.ToString("F5", CultureInfo.InvariantCulture)))}; pytorch {string.Join(' ', theirsLoss.Select(l => l.ToString("F5", CultureInfo.InvariantCulture)))}"));
        // CPU seconds per step are less disturbed by other load than wall time: shown for context.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cpu s/step: ours {Median(oursCpu):F3}, pytorch {Median(theirsCpu):F3} (pytorch/ours {Median(theirsCpu) / Median(oursCpu):F3})"));
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

        public static PyTorchPeer Start(Options o, string weights)
        {
            var psi = new ProcessStartInfo("/usr/bin/python3")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var script = Path.Combine(RepoRoot(), "bench", "python", "binding_resnet50.py");
            foreach (var a in new[] { script, "--batch", $"{o.Batch}", "--image", $"{o.Image}", "--threads", $"{o.Threads}", "--warmup", $"{o.Warmup}", "--interactive", "--weights", weights })
            {
                psi.ArgumentList.Add(a);
            }
            var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
            return new PyTorchPeer(process);
        }

        public void WaitReady()
        {
            var line = ReadLine();
            if (line != "ready")
            {
                throw new InvalidOperationException($"the PyTorch peer said '{line}' instead of 'ready'");
            }
        }

        public (double Wall, double Cpu, double Loss) Step()
        {
            _process.StandardInput.WriteLine("step");
            _process.StandardInput.Flush();
            var parts = ReadLine().Split(' ');
            return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture));
        }

        public void Quit()
        {
            _process.StandardInput.WriteLine("quit");
            _process.StandardInput.Flush();
            if (!_process.WaitForExit(s_timeout))
            {
                throw new TimeoutException($"the PyTorch peer did not exit within {s_timeout}");
            }
        }

        private string ReadLine()
        {
            var read = _process.StandardOutput.ReadLineAsync();
            if (!read.Wait(s_timeout))
            {
                throw new TimeoutException($"the PyTorch peer did not answer within {s_timeout}");
            }
            if (read.Result is not { } line)
            {
                _process.WaitForExit(s_timeout);
                throw new InvalidOperationException($"the PyTorch peer exited ({_process.ExitCode}): {_stderr.Result}");
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
