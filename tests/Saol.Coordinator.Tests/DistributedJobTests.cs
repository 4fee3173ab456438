using System.Text.RegularExpressions;
using Saol.Checkpoints;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.Service;
using Saol.Coordinator.State;
using Saol.Rpc;
using Saol.TestKit;
using Saol.Torch;
using Saol.Worker;
using Xunit;
using Pb = Saol.Protos.V1;

namespace Saol.Coordinator.Tests;

/// <summary>The product path end to end in one process: a coordinator on gRPC, two workers with a real ring, SAOL on synthetic images.</summary>
[Collection(InProcessTorch.Name)]
public sealed partial class DistributedJobTests : IDisposable
{
    private readonly TempDir _dir = new();

    public DistributedJobTests() => torch.set_num_threads(1);

    public void Dispose() => _dir.Dispose();

    private JobSpec Spec() => JobSpecLoader.Parse($"""
        name: e2e
        seed: 5
        model:
          backbone: resnet20
        dataset:
          kind: synthetic
          synthetic_train_size: 64
          synthetic_test_size: 32
          synthetic_image_size: 16
          synthetic_classes: 4
        training:
          global_batch: 16
          epochs: 2
          base_lr: 0.1
          base_batch: 16
        cluster:
          workers: 2
        checkpoint:
          directory: {_dir.Path}
          every_steps: 2
          keep_last: 2
        """);

    [GeneratedRegex(@"^test_accuracy_saol=(\d\.\d{4}) test_accuracy_gapfc=(\d\.\d{4}) checkpoint=(/.+)$")]
    private static partial Regex SummaryLine();

    [Fact]
    public async Task Job_TwoWorkersOverGrpc_CompletesWithTheSummary_AndANewJobResumesFromItsCheckpoint()
    {
        await using var coordinator = await LoopbackCoordinator.StartAsync(LoopbackCoordinator.Fast(metricsPort: 0));
        var (server, client) = (coordinator.Server, coordinator.Client);

        var job = (await client.SubmitJobAsync(new Pb.SubmitJobRequest { Spec = JobSpecMapping.ToProto(Spec()) }).ResponseAsync.DefaultTimeout()).Job;
        Assert.Equal(Pb.JobState.Pending, job.State);
        var final = await RunWorkersAsync(server.Address, job.Id, client);

        Assert.Equal(Pb.JobState.Succeeded, final.State);
        Assert.Equal(8, final.Progress.Step); // 2 epochs × floor(64 / 16)
        var summary = SummaryLine().Match(final.Message);
        Assert.True(summary.Success, final.Message);
        var checkpointPath = summary.Groups[3].Value;
        Assert.Equal(8, CheckpointDirectory.Open(checkpointPath).Manifest.Step);
        var catalog = (await client.ListCheckpointsAsync(new Pb.ListCheckpointsRequest { JobId = job.Id }).ResponseAsync.DefaultTimeout()).Checkpoints;
        Assert.Equal([6L, 8L], catalog.Select(c => c.Step)); // every 2 steps and at epoch ends, keep_last 2
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(checkpointPath)!, CheckpointDirectory.IdForStep(4))));

        // A new job continues from the step-6 checkpoint and trains the last two steps.
        var resumed = await client.ResumeJobAsync(new Pb.ResumeJobRequest { CheckpointId = catalog[0].Path }).ResponseAsync.DefaultTimeout();
        Assert.NotEqual(job.Id, resumed.Id);
        var resumedFinal = await RunWorkersAsync(server.Address, resumed.Id, client);
        Assert.Equal(Pb.JobState.Succeeded, resumedFinal.State);
        Assert.Equal(8, resumedFinal.Progress.Step);
        Assert.Matches(SummaryLine(), resumedFinal.Message);

        // The coordinator's /metrics: two generations formed, two completed jobs (the store gauges refresh every 200 ms).
        using var http = new HttpClient();
        string scrape;
        do
        {
            scrape = await http.GetStringAsync(server.MetricsUrl).DefaultTimeout();
        }
        while (!scrape.Contains("saol_jobs{status=\"completed\"} 2", StringComparison.Ordinal) && await Task.Delay(100).ContinueWith(_ => true));
        Assert.True(scrape.Contains("saol_generations_total 2", StringComparison.Ordinal), scrape);
    }

    [Fact]
    public async Task ElasticJob_WorkerCrashes_GoesOnWithTheOtherFromTheNewestCheckpoint()
    {
        await using var coordinator = await LoopbackCoordinator.StartAsync();
        var (server, client) = (coordinator.Server, coordinator.Client);
        var spec = Spec();
        spec.Training.Epochs = 3;
        spec.Cluster.Elastic = true;
        spec.Cluster.MinWorkers = 1;
        var job = (await client.SubmitJobAsync(new Pb.SubmitJobRequest { Spec = JobSpecMapping.ToProto(spec) }).ResponseAsync.DefaultTimeout()).Job;

        await using var survivor = new WorkerHost(new WorkerOptions { Coordinator = server.Address, JobId = job.Id });
        var crashing = new WorkerHost(new WorkerOptions { Coordinator = server.Address, JobId = job.Id });
        using var crash = new CancellationTokenSource();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var survivorRun = survivor.RunAsync(deadline.Token);
        var crashingRun = crashing.RunAsync(crash.Token);
        var generations = new List<long>();
        Pb.Job? last = null;
        using var watch = client.WatchJob(new Pb.WatchJobRequest { JobId = job.Id }, cancellationToken: deadline.Token);
        await foreach (var e in watch.ResponseStream.ReadAllAsync(deadline.Token))
        {
            last = e.Job;
            generations.Add(e.Job.Generation);
            if (e.Job.Progress.Step >= 3 && !crash.IsCancellationRequested)
            {
                // The process dies: its session and its peer service go away without a word.
                await crash.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => crashingRun).Timeout(TimeSpan.FromMinutes(1));
                await crashing.DisposeAsync();
            }
        }
        Assert.True(crash.IsCancellationRequested, "the job ended before the crash");
        Assert.Equal(Pb.JobState.Succeeded, last!.State);
        Assert.Equal(12, last.Progress.Step);
        Assert.True(generations.Max() >= 2, $"generations seen: {string.Join(", ", generations.Distinct())}");
        Assert.Single(last.Workers); // the last generation trained on one worker (accumulating to keep B = 16)
        Assert.True(await survivorRun.Timeout(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Submit_BadSpecOverGrpc_IsInvalidArgumentNamingTheField()
    {
        await using var store = StateStore.CreateInMemory();
        await using var server = new CoordinatorServer(store, new RpcServerOptions { ListenAddress = System.Net.IPAddress.Loopback, Port = 0 });
        await server.StartAsync().DefaultTimeout();
        using var channel = RpcChannel.ForAddress(server.Address);
        var client = new Pb.CoordinatorService.CoordinatorServiceClient(channel);
        var spec = JobSpecMapping.ToProto(Spec());
        spec.GlobalBatchSize = 15;
        var e = await Assert.ThrowsAsync<RpcException>(() => client.SubmitJobAsync(new Pb.SubmitJobRequest { Spec = spec }).ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("training.global_batch", e.Status.Detail, StringComparison.Ordinal);
        spec.GlobalBatchSize = 16;
        spec.Model.Architecture = "alexnet";
        e = await Assert.ThrowsAsync<RpcException>(() => client.SubmitJobAsync(new Pb.SubmitJobRequest { Spec = spec }).ResponseAsync).DefaultTimeout();
        Assert.Contains("model.backbone", e.Status.Detail, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<RpcException>(() => client.GetJobAsync(new Pb.GetJobRequest { JobId = "job-404" }).ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    /// <summary>Runs <paramref name="workers"/> worker hosts on the job until it ends; checks their metrics; returns the job's last state.</summary>
    internal static async Task<Pb.Job> RunWorkersAsync(Uri coordinator, string jobId, Pb.CoordinatorService.CoordinatorServiceClient client, int workers = 2)
    {
        var hosts = Enumerable.Range(0, workers).Select(_ => new WorkerHost(new WorkerOptions { Coordinator = coordinator, JobId = jobId, PeerTimeout = TimeSpan.FromSeconds(30), MetricsPort = 0, LoaderThreads = 2 })).ToList();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var runs = hosts.Select(h => h.RunAsync(cts.Token)).ToList();
            Pb.Job? last = null;
            using var watch = client.WatchJob(new Pb.WatchJobRequest { JobId = jobId }, cancellationToken: cts.Token);
            await foreach (var e in watch.ResponseStream.ReadAllAsync(cts.Token))
            {
                last = e.Job;
            }
            var finished = await Task.WhenAll(runs).Timeout(TimeSpan.FromMinutes(1));
            Assert.True(finished.All(f => f), $"a worker did not finish its run; the job ended as {last}");
            // Every worker counted its steps and images; rank 0 its checkpoint writes.
            var scrapes = await Task.WhenAll(hosts.Select(h => new HttpClient().GetStringAsync(h.MetricsUrl))).DefaultTimeout();
            Assert.All(scrapes, text => Assert.Matches(@"saol_train_steps_total [1-9]", text));
            Assert.Contains(scrapes, text => text.Contains("saol_checkpoint_writes_total{result=\"ok\"}", StringComparison.Ordinal));
            return last!;
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }
}
