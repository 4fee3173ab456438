using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Saol.Cli.Hosting;
using Saol.Cli.Rendering;
using Saol.Coordinator;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.Service;
using Saol.Coordinator.State;
using Saol.Rpc;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Commands;

/// <summary>
/// <c>saol local job.yaml --workers N</c>: the whole system on this machine — a coordinator in this
/// process (in-memory state) and N worker processes on loopback — then the job with the progress bar,
/// ending with <c>test_accuracy_saol=… test_accuracy_gapfc=… checkpoint=…</c>.
/// </summary>
internal static class LocalCommand
{
    public static Command Create()
    {
        var spec = new Argument<FileInfo>("spec") { Description = "The job spec (YAML or JSON)" };
        var workers = new Option<int>("--workers") { Description = "Worker processes to start (overrides cluster.workers)", DefaultValueFactory = _ => 2 };
        var threads = new Option<int>("--threads-per-worker") { Description = "libtorch threads per worker (default: cores / workers)" };
        var logDir = new Option<DirectoryInfo?>("--log-dir") { Description = "Where the workers' logs go (default: a new temporary directory)" };
        var command = new Command("local", "Run a coordinator and N workers on this machine and train a job with a live progress bar") { spec, workers, threads, logDir };
        command.SetAction(async (parse, ct) =>
        {
            var count = parse.GetValue(workers);
            if (count < 1)
            {
                await Console.Error.WriteLineAsync("saol: --workers must be at least 1").ConfigureAwait(false);
                return 2;
            }
            JobSpec job;
            try
            {
                job = JobSpecLoader.Load(parse.GetValue(spec)!.FullName);
                job.Cluster.Workers = count;
                job.Cluster.MinWorkers = Math.Min(job.Cluster.MinWorkers, count);
                SubmitCommand.MakePathsAbsolute(job);
                JobSpecLoader.Validate(job);
            }
            catch (Exception e) when (e is JobSpecException or FileNotFoundException)
            {
                await Console.Error.WriteLineAsync("saol: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            using var signal = new ShutdownSignal(ct);
            var logs = parse.GetValue(logDir)?.FullName ?? Path.Combine(Path.GetTempPath(), "saol-local-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(logs);
            var perWorker = parse.GetValue(threads) is > 0 and var t ? t : Math.Max(1, Environment.ProcessorCount / count);

            await using var store = StateStore.CreateInMemory();
            await using var server = new CoordinatorServer(store, new RpcServerOptions { ListenAddress = IPAddress.Loopback, Port = 0 });
            await server.StartAsync(signal.Token).ConfigureAwait(false);
            using var channel = RpcChannel.ForAddress(server.Address);
            var client = new Pb.CoordinatorService.CoordinatorServiceClient(channel);
            Pb.Job submitted;
            try
            {
                submitted = (await client.SubmitJobAsync(new Pb.SubmitJobRequest { Spec = JobSpecMapping.ToProto(job) }, cancellationToken: signal.Token).ResponseAsync.ConfigureAwait(false)).Job;
            }
            catch (RpcException e)
            {
                await Console.Error.WriteLineAsync($"saol: {e.Status.Detail}").ConfigureAwait(false);
                return 2;
            }
            Console.WriteLine($"coordinator at {server.Address} (in-memory state); job {submitted.Id}; {count} workers × {perWorker} threads; worker logs in {logs}");

            var processes = Enumerable.Range(0, count).Select(i => StartWorker(server.Address, submitted.Id, perWorker, Path.Combine(logs, $"worker-{i}.log"))).ToList();
            try
            {
                var final = await JobWatcher.WatchAsync(client, submitted.Id, signal.Token).ConfigureAwait(false);
                await Task.WhenAll(processes.Select(p => p.WaitForExitAsync(signal.Token))).WaitAsync(TimeSpan.FromSeconds(60), signal.Token).ConfigureAwait(false);
                if (final.State != Pb.JobState.Succeeded)
                {
                    await Console.Error.WriteLineAsync($"saol: job {final.Id} {ProgressLine.StateName(final.State)}: {final.Message} (worker logs in {logs})").ConfigureAwait(false);
                    return 1;
                }
                Console.WriteLine(final.Message);
                return 0;
            }
            catch (OperationCanceledException) when (signal.Token.IsCancellationRequested)
            {
                return 130;
            }
            finally
            {
                foreach (var process in processes)
                {
                    if (!process.HasExited)
                    {
                        process.Kill(entireProcessTree: true);
                    }
                    process.Dispose();
                }
            }
        });
        return command;
    }

    /// <summary>Starts <c>saol worker</c> as a child process (the same executable, or <c>dotnet saol.dll</c>), its output to a log file.</summary>
    private static Process StartWorker(Uri coordinator, string jobId, int threads, string log)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find the saol executable to start workers");
        var psi = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(LocalCommand).Assembly.Location);
        }
        foreach (var a in new[] { "worker", "--coordinator", coordinator.ToString(), "--job", jobId })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["SAOL_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start a worker process");
        var writer = TextWriter.Synchronized(new StreamWriter(log) { AutoFlush = true });
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { writer.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { writer.WriteLine(e.Data); } };
        process.Exited += (_, _) => writer.Dispose();
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
