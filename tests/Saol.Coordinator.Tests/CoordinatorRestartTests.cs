using System.Text.Json;
using Saol.Checkpoints;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.State;
using Saol.State.Tests;
using Saol.TestKit;
using Xunit;

namespace Saol.Coordinator.Tests;

/// <summary>A coordinator restarted against the same Redis carries on with its jobs: plan, progress, workers and catalog.</summary>
public sealed class CoordinatorRestartTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Coordinator_RestartedAgainstTheSameRedis_PicksUpItsRunningJob()
    {
        using var redis = await RedisServer.StartAsync(Services.RequireExecutable("redis-server")).DefaultTimeout();
        var options = new CoordinatorOptions { WorkerLease = TimeSpan.FromMinutes(5) };
        var spec = $"dataset:\n  kind: synthetic\n  synthetic_train_size: 64\ntraining:\n  global_batch: 16\ncluster:\n  workers: 2\ncheckpoint:\n  directory: {_dir.Path}\n";

        string jobId;
        WrittenCheckpoint written;
        await using (var store = await StateStore.ConnectRedisAsync(redis.Configuration, "restart:").DefaultTimeout())
        {
            var first = new JobCoordinator(store, options);
            var job = await first.SubmitAsync(spec).DefaultTimeout();
            jobId = job.Id;
            await first.RegisterWorkerAsync(jobId, new WorkerRegistration("a", "127.0.0.1:1", 1, "n1")).DefaultTimeout();
            await first.RegisterWorkerAsync(jobId, new WorkerRegistration("b", "127.0.0.1:2", 1, "n2")).DefaultTimeout();
            Assert.True(await first.ReportProgressAsync(jobId, 1, 3, 0, 1.25, 0.1, 50).DefaultTimeout());
            var manifest = new CheckpointManifest { CheckpointId = CheckpointDirectory.IdForStep(3), JobId = jobId, Step = 3, JobSpec = JsonDocument.Parse(job.SpecJson).RootElement.Clone() };
            written = new CheckpointDirectory(JobCoordinator.CheckpointRoot(JobSpecLoader.Parse(job.SpecJson), jobId))
                .Write(manifest, [new CheckpointPayload("model.safetensors", p => File.WriteAllBytes(p, [1, 2, 3]))]);
            await first.CommitCheckpointAsync(jobId, 1, written).DefaultTimeout();
        }

        await using var restarted = await StateStore.ConnectRedisAsync(redis.Configuration, "restart:").DefaultTimeout();
        var second = new JobCoordinator(restarted, options);
        var resumedJob = (await second.GetJobAsync(jobId).DefaultTimeout())!;
        Assert.Equal(JobStatus.Running, resumedJob.Status);
        Assert.Equal(1, resumedJob.Generation);
        Assert.Equal(3, resumedJob.Progress.Step);
        var assignment = await second.AwaitAssignmentAsync(jobId, "b", 0).DefaultTimeout();
        Assert.Equal(1, assignment.Rank);
        Assert.Equal(WorkerDirective.Continue, await second.HeartbeatAsync(jobId, "a", 1).DefaultTimeout());
        var checkpoint = Assert.Single(await second.ListCheckpointsAsync(jobId).DefaultTimeout());
        Assert.Equal(written.ManifestSha256, checkpoint.ManifestSha256);
        CheckpointDirectory.Open(checkpoint.Path, checkpoint.ManifestSha256);
        var next = await second.SubmitAsync(spec).DefaultTimeout();
        Assert.NotEqual(jobId, next.Id); // the id allocator survived too
    }
}
