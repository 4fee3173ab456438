using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Saol.Rpc;

namespace Saol.Bench.Rpc;

/// <summary>
/// <c>make bench-rpc</c>: client-streaming throughput (100 MB in 1 MB messages) and unary
/// round-trip latency, for our transport (client and server in this process) and for
/// python3-grpcio (bench/python/rpc_peer.py, server and client processes), same machine, same run.
/// CPU time per MB streamed (client + server processes) is printed too: on a shared, loaded
/// machine it says more about the transports' cost than MB/s does.
/// Payloads are raw bytes on both sides, so the figures compare the transports: each side copies a
/// message once into the transport and once out of it (our server into a pooled buffer, as the
/// ring all-reduce consumes segments; grpcio into a fresh bytes object, its natural form).
/// </summary>
internal static class RpcBenchmark
{
    private const string Service = "saol.bench.v1.Bench";
    private const int MessageBytes = 1 << 20;
    private const int TotalMegabytes = 100;
    private const int Pings = 2000;
    private const int Repetitions = 3;
    private const int MaxMessage = 64 << 20;

    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create<byte[]>(Serialize, context => context.PayloadAsNewBuffer());

    private static readonly Marshaller<PooledChunk> s_chunks = Marshallers.Create<PooledChunk>(
        (chunk, context) => Serialize(chunk.Buffer, context),
        context =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(context.PayloadLength);
            context.PayloadAsReadOnlySequence().CopyTo(buffer);
            return new PooledChunk(buffer, context.PayloadLength);
        });

    private static readonly Method<PooledChunk, byte[]> s_upload = new(MethodType.ClientStreaming, Service, "Upload", s_chunks, s_bytes);
    private static readonly Method<byte[], byte[]> s_ping = new(MethodType.Unary, Service, "Ping", s_bytes, s_bytes);

    public static async Task<int> RunAsync(string[] args)
    {
        await using var server = await StartOurServerAsync();
        Measurement ours;
        using (var channel = RpcChannel.ForAddress(server.LocalAddress, new RpcChannelOptions { MaxReceiveMessageSize = MaxMessage }))
        {
            ours = await MeasureAsync(channel.CreateCallInvoker());
        }
        Report("saol", ours);
        var grpcioToOurs = await RunGrpcioClientAsync(server.Port, Environment.ProcessId);
        Report("grpcio_client_to_saol_server", grpcioToOurs);

        await using var peer = await GrpcioServer.StartAsync();
        var grpcio = await RunGrpcioClientAsync(peer.Port, peer.ProcessId);
        Report("grpcio", grpcio);

        using (var toGrpcio = RpcChannel.ForAddress($"http://127.0.0.1:{peer.Port}", new RpcChannelOptions { MaxReceiveMessageSize = MaxMessage }))
        {
            Report("saol_client_to_grpcio_server", await MeasureAsync(toGrpcio.CreateCallInvoker(), peer.ProcessId));
        }

        Console.WriteLine(FormattableString.Invariant($"rpc_stream_cpu_vs_grpcio={Median(ours.StreamCpuMsPerMB) / Median(grpcio.StreamCpuMsPerMB):F2}"));
        Console.WriteLine(FormattableString.Invariant($"rpc_stream_vs_grpcio={Median(ours.StreamMBps) / Median(grpcio.StreamMBps):F2}"));
        return 0;
    }

    private static async Task<RpcServer> StartOurServerAsync()
    {
        var server = new RpcServer(new RpcServerOptions { ListenAddress = IPAddress.Loopback, MaxReceiveMessageSize = MaxMessage });
        server.AddService(ServerServiceDefinition.CreateBuilder()
            .AddMethod(s_upload, UploadAsync)
            .AddMethod(s_ping, (request, _) => Task.FromResult(request))
            .Build());
        await server.StartAsync();
        return server;
    }

    private static async Task<byte[]> UploadAsync(IAsyncStreamReader<PooledChunk> requests, ServerCallContext context)
    {
        long total = 0;
        while (await requests.MoveNext(context.CancellationToken))
        {
            total += requests.Current.Length;
            ArrayPool<byte>.Shared.Return(requests.Current.Buffer);
        }
        return BitConverter.GetBytes(total);
    }

    private static void Serialize(byte[] payload, SerializationContext context)
    {
        context.SetPayloadLength(payload.Length);
        var writer = context.GetBufferWriter();
        payload.CopyTo(writer.GetSpan(payload.Length));
        writer.Advance(payload.Length);
        context.Complete();
    }

    /// <param name="invoker">Calls the server under test.</param>
    /// <param name="serverProcessId">The server's process when it is not this one (its CPU time is added).</param>
    private static async Task<Measurement> MeasureAsync(CallInvoker invoker, int? serverProcessId = null)
    {
        var bytes = new byte[MessageBytes];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }
        var message = new PooledChunk(bytes, bytes.Length);
        var count = TotalMegabytes * (1 << 20) / MessageBytes;

        using var serverProcess = serverProcessId is { } pid ? Process.GetProcessById(pid) : null;
        TimeSpan CpuTime()
        {
            serverProcess?.Refresh();
            return Process.GetCurrentProcess().TotalProcessorTime + (serverProcess?.TotalProcessorTime ?? TimeSpan.Zero);
        }

        async Task<(double MBps, double CpuMsPerMB)> StreamOnceAsync(int messages)
        {
            var cpu = CpuTime();
            var watch = Stopwatch.StartNew();
            using var call = invoker.AsyncClientStreamingCall(s_upload, null, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(10)));
            for (var i = 0; i < messages; i++)
            {
                await call.RequestStream.WriteAsync(message);
            }
            await call.RequestStream.CompleteAsync();
            var total = BitConverter.ToInt64(await call.ResponseAsync);
            var seconds = watch.Elapsed.TotalSeconds;
            var cpuMs = (CpuTime() - cpu).TotalMilliseconds;
            if (total != (long)messages * MessageBytes)
            {
                throw new InvalidOperationException($"server counted {total} bytes, sent {(long)messages * MessageBytes}");
            }
            var megabytes = total / 1e6;
            return (megabytes / seconds, cpuMs / megabytes);
        }

        await StreamOnceAsync(Math.Max(1, count / 10));
        var runs = new List<(double MBps, double CpuMsPerMB)>();
        for (var r = 0; r < Repetitions; r++)
        {
            runs.Add(await StreamOnceAsync(count));
        }

        var small = new byte[32];
        for (var i = 0; i < 200; i++)
        {
            await invoker.AsyncUnaryCall(s_ping, null, default, small);
        }
        var latencies = new List<double>(Pings);
        for (var i = 0; i < Pings; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await invoker.AsyncUnaryCall(s_ping, null, default, small);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        return new Measurement(runs.Select(r => r.MBps).ToList(), runs.Select(r => r.CpuMsPerMB).ToList(), latencies);
    }

    private static async Task<Measurement> RunGrpcioClientAsync(int port, int serverProcessId)
    {
        var psi = PythonStartInfo("client", $"127.0.0.1:{port}", TotalMegabytes.ToString(CultureInfo.InvariantCulture),
            MessageBytes.ToString(CultureInfo.InvariantCulture), Pings.ToString(CultureInfo.InvariantCulture), Repetitions.ToString(CultureInfo.InvariantCulture),
            serverProcessId.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start python3");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rpc_peer.py client failed ({process.ExitCode}): {await stderr}");
        }
        using var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        return new Measurement(
            Doubles(json.RootElement, "stream_mbps"),
            Doubles(json.RootElement, "stream_cpu_ms_per_mb"),
            Doubles(json.RootElement, "ping_us"));

        static List<double> Doubles(JsonElement root, string name) => root.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToList();
    }

    private static void Report(string name, Measurement m)
    {
        var sorted = m.PingMicros.Order().ToArray();
        Console.WriteLine(FormattableString.Invariant($"rpc_stream_{name}_MBps={Median(m.StreamMBps):F1} (runs: {string.Join(", ", m.StreamMBps.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))})"));
        Console.WriteLine(FormattableString.Invariant($"rpc_stream_{name}_cpu_ms_per_MB={Median(m.StreamCpuMsPerMB):F2}"));
        Console.WriteLine(FormattableString.Invariant($"rpc_unary_{name}_p50_us={sorted[sorted.Length / 2]:F0} rpc_unary_{name}_p99_us={sorted[(int)(sorted.Length * 0.99)]:F0}"));
    }

    private static double Median(IReadOnlyList<double> values) => values.Order().ElementAt(values.Count / 2);

    private static ProcessStartInfo PythonStartInfo(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(RepoRoot(), "bench", "python", "rpc_peer.py"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return psi;
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

    /// <summary>One received message in a buffer from <see cref="ArrayPool{T}"/> (returned by the consumer).</summary>
    private sealed record PooledChunk(byte[] Buffer, int Length);

    private sealed record Measurement(IReadOnlyList<double> StreamMBps, IReadOnlyList<double> StreamCpuMsPerMB, IReadOnlyList<double> PingMicros);

    /// <summary>The grpcio server process; closing its stdin stops it.</summary>
    private sealed class GrpcioServer : IAsyncDisposable
    {
        private readonly Process _process;

        private GrpcioServer(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public int ProcessId => _process.Id;

        public static async Task<GrpcioServer> StartAsync()
        {
            var process = Process.Start(PythonStartInfo("serve")) ?? throw new InvalidOperationException("could not start python3");
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (line is null || !line.StartsWith("PORT ", StringComparison.Ordinal))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"rpc_peer.py serve did not announce its port: {line} {await process.StandardError.ReadToEndAsync()}");
            }
            return new GrpcioServer(process, int.Parse(line.AsSpan(5), CultureInfo.InvariantCulture));
        }

        public async ValueTask DisposeAsync()
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
        }
    }
}
