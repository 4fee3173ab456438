using System.CommandLine;
using Saol.Cli.Connection;
using Saol.Cli.Hosting;
using Saol.Torch;
using Saol.Worker;

namespace Saol.Cli.Commands;

/// <summary><c>saol worker</c>: a worker process that joins a job and trains its shard until the job ends.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var job = new Option<string?>("--job") { Description = "Join only this job (default: any job waiting for workers)" };
        var port = new Option<int>("--peer-port") { Description = "Port of this worker's ring peer service (0 picks a free one)" };
        var host = new Option<string>("--advertise-host") { Description = "The host name other workers reach this one by", DefaultValueFactory = _ => "127.0.0.1" };
        var devices = new Option<int>("--devices") { Description = "Devices (CPU replicas or GPUs) to train on", DefaultValueFactory = _ => 1 };
        var timeout = new Option<double>("--peer-timeout-seconds") { Description = "A ring peer silent this long fails the step", DefaultValueFactory = _ => 60 };
        var metrics = new Option<int?>("--metrics-port") { Description = "Serve Prometheus metrics on this port at /metrics (0 picks a free one)" };
        var loaderThreads = new Option<int>("--loader-threads") { Description = "JPEGs an image-folder data set decodes at once (0 = the processor count)" };
        var command = new Command("worker", "Run a worker: register with the coordinator, train assignments, report progress and checkpoints")
        {
            job, port, host, devices, timeout, metrics, loaderThreads,
        };
        command.WithConnection();
        command.SetAction(async (parse, ct) =>
        {
            var threads = torch.InitializeThreadsFromEnvironment();
            using var signal = new ShutdownSignal(ct);
            using var logging = ConsoleLogging.Create();
            var options = new WorkerOptions
            {
                Coordinator = new Uri(parse.GetValue(CoordinatorConnection.Address)!),
                JobId = parse.GetValue(job),
                PeerPort = parse.GetValue(port),
                AdvertiseHost = parse.GetValue(host)!,
                Devices = parse.GetValue(devices),
                BearerToken = parse.GetValue(CoordinatorConnection.Token),
                PeerTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                MetricsPort = parse.GetValue(metrics),
                LoaderThreads = parse.GetValue(loaderThreads),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync("saol: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            await Console.Error.WriteLineAsync($"worker: libtorch intra-op threads {threads}").ConfigureAwait(false);
            await using var worker = new WorkerHost(options, loggerFactory: logging);
            try
            {
                return await worker.RunAsync(signal.Token).ConfigureAwait(false) ? 0 : 1;
            }
            catch (OperationCanceledException) when (signal.Token.IsCancellationRequested)
            {
                return 130;
            }
            catch (Saol.Rpc.RpcException e)
            {
                await Console.Error.WriteLineAsync($"saol worker: {e.Status.StatusCode}: {e.Status.Detail}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }
}
