using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Saol.Rpc;
using Saol.Rpc.Http2;

namespace Saol.Collective.Internal.Hosting;

/// <summary>
/// One ring rank alone in a process — what a worker does for the all-reduce, without training —
/// driven over stdin/stdout. The benchmark runs each rank as one of these (separate processes,
/// as on real nodes) and the failure tests kill one to see the others fail.
/// </summary>
/// <remarks>
/// Protocol: the process serves WorkerPeer on a loopback port and prints <c>listening &lt;url&gt;</c>;
/// the parent writes one line with every rank's URL, comma-separated, in rank order; the process
/// joins the ring and prints <c>joined</c>, then for each iteration restores its input buffer,
/// all-reduces it (sum) and prints <c>iteration &lt;k&gt; &lt;milliseconds&gt;</c>; at the end it prints
/// <c>checksum &lt;sha256 of the result&gt;</c> and <c>done</c>. A failed collective prints
/// <c>error &lt;message&gt;</c> and exits with code 3.
/// </remarks>
internal static class RingMemberProcess
{
    /// <summary>The settings a member is started with (also its command line).</summary>
    internal sealed record Settings(string JobId, int Rank, int Elements, int Iterations, WireFormat Wire, int SegmentBytes, TimeSpan Timeout)
    {
        public IEnumerable<string> ToArguments() =>
        [
            "--job", JobId, "--rank", Rank.ToString(CultureInfo.InvariantCulture), "--elements", Elements.ToString(CultureInfo.InvariantCulture),
            "--iterations", Iterations.ToString(CultureInfo.InvariantCulture), "--wire", Wire.ToString(), "--segment-bytes", SegmentBytes.ToString(CultureInfo.InvariantCulture),
            "--timeout-ms", ((long)Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        ];

        public static Settings Parse(IReadOnlyList<string> args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < args.Count; i += 2)
            {
                values[args[i]] = args[i + 1];
            }
            string Get(string name) => values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"missing {name}");
            int Int(string name) => int.Parse(Get(name), CultureInfo.InvariantCulture);
            return new Settings(Get("--job"), Int("--rank"), Int("--elements"), Int("--iterations"), Enum.Parse<WireFormat>(Get("--wire")), Int("--segment-bytes"),
                TimeSpan.FromMilliseconds(long.Parse(Get("--timeout-ms"), CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>The input of a rank: reproducible values in [-1, 1) that differ between ranks.</summary>
    public static float[] InputOf(int rank, int elements)
    {
        var random = new Random(1000 + rank);
        var values = new float[elements];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }
        return values;
    }

    /// <summary>What a member does once it has joined the ring; returns the exit code.</summary>
    public delegate Task<int> Workload(IAllReduce ring, Settings settings, TextWriter output);

    /// <summary>Runs a member with its command-line arguments and the timing loop; returns the exit code.</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, TextReader input, TextWriter output) => RunAsync(args, input, output, TimeAllReducesAsync);

    /// <summary>Runs a member with its command-line arguments and <paramref name="workload"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader input, TextWriter output, Workload workload)
    {
        var settings = Settings.Parse(args);
        var service = new RingPeerService();
        await using var server = new StreamingServer(new StreamingServerOptions { ListenAddress = IPAddress.Loopback });
        service.MapTo(server);
        await server.StartAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"listening {server.LocalAddress}").ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);

        var line = await input.ReadLineAsync().ConfigureAwait(false) ?? throw new InvalidOperationException("stdin closed before the ring's addresses came");
        var addresses = line.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => new Uri(a)).ToArray();
        var options = new CollectiveOptions { WireFormat = settings.Wire, SegmentBytes = settings.SegmentBytes, Timeout = settings.Timeout };
        await using var ring = await Collectives.JoinRingAsync(service, new RingMembership(settings.JobId, 1, settings.Rank, addresses), options).ConfigureAwait(false);
        await output.WriteLineAsync("joined").ConfigureAwait(false);
        try
        {
            return await workload(ring, settings, output).ConfigureAwait(false);
        }
        catch (CollectiveException ex)
        {
            await output.WriteLineAsync("error " + ex.Message.ReplaceLineEndings(" ")).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            return 3;
        }
    }

    private static async Task<int> TimeAllReducesAsync(IAllReduce ring, Settings settings, TextWriter output)
    {
        var pristine = InputOf(settings.Rank, settings.Elements);
        var buffer = new float[settings.Elements];
        for (var k = 1; k <= settings.Iterations; k++)
        {
            pristine.CopyTo(buffer, 0);
            var clock = Stopwatch.StartNew();
            await ring.AllReduceAsync(buffer, ReduceOp.Sum).ConfigureAwait(false);
            await output.WriteLineAsync(FormattableString.Invariant($"iteration {k} {clock.Elapsed.TotalMilliseconds:0.###}")).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
        }
        await output.WriteLineAsync("checksum " + Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(buffer.AsSpan())))).ConfigureAwait(false);
        await output.WriteLineAsync("done").ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
        return 0;
    }
}

/// <summary>The parent's handle on a <see cref="RingMemberProcess"/> child.</summary>
internal sealed class RingMemberChild : IDisposable
{
    private readonly Process _process;

    private RingMemberChild(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>The child's WorkerPeer address.</summary>
    public Uri Address { get; }

    /// <summary>
    /// Starts <paramref name="entryAssembly"/> (its app host when there is one, else through
    /// <c>dotnet exec</c>) with <paramref name="verb"/> and the member's settings, and waits for its address.
    /// </summary>
    public static async Task<RingMemberChild> StartAsync(string entryAssembly, IEnumerable<string> verb, RingMemberProcess.Settings settings, CancellationToken cancellationToken)
    {
        var appHost = Path.ChangeExtension(entryAssembly, null);
        var psi = File.Exists(appHost) ? new ProcessStartInfo(appHost) : new ProcessStartInfo("dotnet") { ArgumentList = { "exec", entryAssembly } };
        foreach (var a in verb.Concat(settings.ToArguments()))
        {
            psi.ArgumentList.Add(a);
        }
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        try
        {
            var line = await ReadLineAsync(process, cancellationToken).ConfigureAwait(false);
            if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
            {
                var stderr = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException($"ring member {settings.Rank} did not start: '{line}' {stderr}");
            }
            return new RingMemberChild(process, new Uri(line["listening ".Length..]));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async Task SendAddressesAsync(IEnumerable<Uri> addresses)
    {
        await _process.StandardInput.WriteLineAsync(string.Join(',', addresses)).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The next line the child printed, or null at its end.</summary>
    public Task<string?> ReadLineAsync(CancellationToken cancellationToken) => ReadLineAsync(_process, cancellationToken);

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Kills the child at once (SIGKILL): its sockets close without any goodbye.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Freezes the child (SIGSTOP): its connections stay open but nothing more is read or written — a hung node.</summary>
    public void Freeze()
    {
        if (Stop(_process.Id, SigStop) != 0)
        {
            throw new InvalidOperationException($"kill(SIGSTOP) of {_process.Id} failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private const int SigStop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Stop(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }

    private static async Task<string?> ReadLineAsync(Process process, CancellationToken cancellationToken) =>
        await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
}
