using System.Text.Json;
using Saol.Checkpoints;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.State;
using Saol.TestKit;
using Xunit;

namespace Saol.Coordinator.Tests;

public sealed class JobCoordinatorTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ManualClock _clock = new();

    private string Spec(int workers = 2, bool elastic = false, int minWorkers = 0, int keepLast = 2) => $"""
        dataset:
          kind: synthetic
          synthetic_train_size: 100
        training:
          global_batch: 16
          epochs: 2
        cluster:
          workers: {workers}
          elastic: {(elastic ? "true" : "false")}
          min_workers: {minWorkers}
        checkpoint:
          directory: {_dir.Path}
          keep_last: {keepLast}
        """;

    private JobCoordinator Create() => new(StateStore.CreateInMemory(_clock), new CoordinatorOptions { WorkerLease = TimeSpan.FromSeconds(10) }, timeProvider: _clock);

    private static WorkerRegistration Worker(string id) => new(id, $"127.0.0.1:{5000 + id.Length}", 1, "node");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Submit_BadSpec_IsRefusedNamingTheField()
    {
        var coordinator = Create();
        var e = await Assert.ThrowsAsync<JobSpecException>(() => coordinator.SubmitAsync("training:\n  base_lr: -1\ndataset:\n  kind: synthetic")).DefaultTimeout();
        Assert.Contains("training.base_lr", e.Message, StringComparison.Ordinal);
        var big = await Assert.ThrowsAsync<JobSpecException>(() => coordinator.SubmitAsync("training:\n  global_batch: 1024\ndataset:\n  kind: synthetic")).DefaultTimeout();
        Assert.Contains("larger than the training set", big.Message, StringComparison.Ordinal);
        Assert.Empty(await coordinator.ListJobsAsync().DefaultTimeout());
    }

    [Fact]
    public async Task Register_EnoughWorkers_FormsAGenerationWithRanksAndShardPlan()
    {
        var coordinator = Create();
        var job = await coordinator.SubmitAsync(Spec()).DefaultTimeout();
        Assert.Equal(job.Id, await coordinator.RegisterWorkerAsync(null, Worker("a")).DefaultTimeout());
        Assert.Equal(JobStatus.Pending, (await coordinator.GetJobAsync(job.Id).DefaultTimeout())!.Status);
        var waiting = coordinator.AwaitAssignmentAsync(job.Id, "b", 0);
        await coordinator.RegisterWorkerAsync(job.Id, Worker("b")).DefaultTimeout();

        var assignment = await waiting.DefaultTimeout();
        Assert.Equal(1, assignment.Rank);
        Assert.Equal(1, assignment.Plan.Generation);
        Assert.Equal(["a", "b"], assignment.Plan.Ranks.Select(r => r.WorkerId));
        Assert.Equal(new ShardPlan(16, 2, 1, 1, 8), assignment.Plan.Shard);
        Assert.Equal(6, assignment.Plan.StepsPerEpoch); // floor(100 / 16)
        Assert.Equal(12, assignment.Plan.TotalSteps);
        Assert.Null(assignment.Plan.ResumeFrom);
        Assert.Equal(JobStatus.Running, (await coordinator.GetJobAsync(job.Id).DefaultTimeout())!.Status);
        Assert.Equal(WorkerDirective.Continue, await coordinator.HeartbeatAsync(job.Id, "a", 1).DefaultTimeout());
    }

    [Fact]
    public async Task Monitor_LostWorker_BreaksTheGenerationAndElasticJobGoesOnWithTheRest()
    {
        var coordinator = Create();
        var job = await coordinator.SubmitAsync(Spec(workers: 2, elastic: true, minWorkers: 1)).DefaultTimeout();
        await coordinator.RegisterWorkerAsync(job.Id, Worker("a")).DefaultTimeout();
        await coordinator.RegisterWorkerAsync(job.Id, Worker("bb")).DefaultTimeout();
        Assert.Equal(1, (await coordinator.GetJobAsync(job.Id).DefaultTimeout())!.Generation);

        _clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(WorkerDirective.Continue, await coordinator.HeartbeatAsync(job.Id, "a", 1).DefaultTimeout());
        _clock.Advance(TimeSpan.FromSeconds(6)); // "bb" is now 12 s silent, past its 10 s lease
        await coordinator.CheckOnceAsync().DefaultTimeout();

        Assert.Equal(WorkerDirective.Regroup, await coordinator.HeartbeatAsync(job.Id, "a", 1).DefaultTimeout());
        Assert.Equal(WorkerDirective.Reregister, await coordinator.HeartbeatAsync(job.Id, "bb", 1).DefaultTimeout());
        var next = await coordinator.AwaitAssignmentAsync(job.Id, "a", 1).DefaultTimeout();
        Assert.Equal(2, next.Plan.Generation);
        Assert.Equal(1, next.Plan.WorldSize);
        Assert.Equal(new ShardPlan(16, 1, 1, 2, 8), next.Plan.Shard); // the global batch stays 16 by accumulating
    }

    [Fact]
    public async Task WorkerLeft_MemberOfTheGeneration_RegroupsAtOnce_ANonMemberDoesNot()
    {
        var coordinator = Create();
        var job = await coordinator.SubmitAsync(Spec(workers: 2, elastic: true, minWorkers: 1)).DefaultTimeout();
        await coordinator.RegisterWorkerAsync(job.Id, Worker("a")).DefaultTimeout();
        await coordinator.RegisterWorkerAsync(job.Id, Worker("bb")).DefaultTimeout();
        await coordinator.RegisterWorkerAsync(job.Id, Worker("ccc")).DefaultTimeout(); // a spare: not in the generation
        await coordinator.WorkerLeftAsync(job.Id, "ccc").DefaultTimeout();
        Assert.Equal(WorkerDirective.Continue, await coordinator.HeartbeatAsync(job.Id, "a", 1).DefaultTimeout());

        await coordinator.WorkerLeftAsync(job.Id, "bb").DefaultTimeout();
        Assert.Equal(WorkerDirective.Regroup, await coordinator.HeartbeatAsync(job.Id, "a", 1).DefaultTimeout());
        var next = await coordinator.AwaitAssignmentAsync(job.Id, "a", 1).DefaultTimeout();
        Assert.Equal((2L, 1), (next.Plan.Generation, next.Plan.WorldSize));
    }

    [Fact]
    public async Task CommitCheckpoint_KeepsTheLastK_AndANewGenerationResumesFromTheNewestValid()
    {
        var coordinator = Create();
        var job = await coordinator.SubmitAsync(Spec(workers: 1, keepLast: 2)).DefaultTimeout();
        await coordinator.RegisterWorkerAsync(job.Id, Worker("a")).DefaultTimeout();
        var spec = JobSpecLoader.Parse(job.SpecJson);
        var store = new CheckpointDirectory(JobCoordinator.CheckpointRoot(spec, job.Id));
        var written = new List<WrittenCheckpoint>();
        foreach (var step in new long[] { 2, 4, 6 })
        {
            var manifest = new CheckpointManifest { CheckpointId = CheckpointDirectory.IdForStep(step), JobId = job.Id, Step = step, JobSpec = JsonDocument.Parse(job.SpecJson).RootElement.Clone() };
            var w = store.Write(manifest, [new CheckpointPayload("model.safetensors", p => File.WriteAllBytes(p, new byte[64]))]);
            written.Add(w);
            await coordinator.CommitCheckpointAsync(job.Id, 1, w).DefaultTimeout();
        }
        var catalog = await coordinator.ListCheckpointsAsync(job.Id).DefaultTimeout();
        Assert.Equal([4L, 6L], catalog.Select(c => c.Step));
        Assert.False(Directory.Exists(written[0].Path));
        await Assert.ThrowsAsync<InvalidOperationException>(() => coordinator.CommitCheckpointAsync(job.Id, 7, written[2])).DefaultTimeout();

        // Corrupt the newest; when the worker is lost and comes back, the generation starts from step 4.
        File.WriteAllBytes(Path.Combine(written[2].Path, "model.safetensors"), new byte[64].Select(_ => (byte)1).ToArray());
        _clock.Advance(TimeSpan.FromSeconds(11));
        await coordinator.CheckOnceAsync().DefaultTimeout();
        await coordinator.RegisterWorkerAsync(job.Id, Worker("a")).DefaultTimeout();
        var assignment = await coordinator.AwaitAssignmentAsync(job.Id, "a", 1).DefaultTimeout();
        Assert.Equal(4, assignment.Plan.ResumeFrom!.Step);
        Assert.Equal([4L], (await coordinator.ListCheckpointsAsync(job.Id).DefaultTimeout()).Select(c => c.Step));
    }

    [Fact]
    public async Task Resume_FromCheckpointPath_StartsANewJobFromIt_AndACorruptOneIsRefused()
    {
        var coordinator = Create();
        var job = await coordinator.SubmitAsync(Spec(workers: 1)).DefaultTimeout();
        var manifest = new CheckpointManifest { CheckpointId = CheckpointDirectory.IdForStep(3), JobId = job.Id, Step = 3, JobSpec = JsonDocument.Parse(job.SpecJson).RootElement.Clone() };
        var written = new CheckpointDirectory(_dir.Path).Write(manifest, [new CheckpointPayload("model.safetensors", p => File.WriteAllBytes(p, [1, 2, 3]))]);

        var resumed = await coordinator.ResumeAsync(written.Path).DefaultTimeout();
        Assert.NotEqual(job.Id, resumed.Id);
        Assert.Equal(job.SpecJson, resumed.SpecJson);
        await coordinator.RegisterWorkerAsync(resumed.Id, Worker("a")).DefaultTimeout();
        var assignment = await coordinator.AwaitAssignmentAsync(resumed.Id, "a", 0).DefaultTimeout();
        Assert.Equal(3, assignment.Plan.ResumeFrom!.Step);

        File.WriteAllBytes(Path.Combine(written.Path, "model.safetensors"), [9, 9, 9]);
        var e = await Assert.ThrowsAsync<CheckpointCorruptException>(() => coordinator.ResumeAsync(written.Path)).DefaultTimeout();
        Assert.Contains("checksum mismatch", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => coordinator.ResumeAsync("no-such-checkpoint")).DefaultTimeout();
    }

    [Fact]
    public async Task Cancel_StopsTheWorkers_AndWatchEndsWithTheTerminalState()
    {
        var coordinator = Create();
        var job = await coordinator.SubmitAsync(Spec(workers: 1)).DefaultTimeout();
        await coordinator.RegisterWorkerAsync(job.Id, Worker("a")).DefaultTimeout();
        var seen = new List<JobRecord>();
        var watching = Task.Run(async () =>
        {
            await foreach (var j in coordinator.WatchAsync(job.Id))
            {
                seen.Add(j);
            }
        });
        Assert.True(await coordinator.ReportProgressAsync(job.Id, 1, 3, 0, 1.5, 0.1, 100).DefaultTimeout());
        Assert.False(await coordinator.ReportProgressAsync(job.Id, 0, 4, 0, 1.5, 0.1, 100).DefaultTimeout());
        await coordinator.CancelAsync(job.Id).DefaultTimeout();
        await watching.DefaultTimeout();
        Assert.Equal(JobStatus.Cancelled, seen[^1].Status);
        Assert.Equal(WorkerDirective.Stop, await coordinator.HeartbeatAsync(job.Id, "a", 1).DefaultTimeout());
        await Assert.ThrowsAsync<InvalidOperationException>(() => coordinator.RegisterWorkerAsync(job.Id, Worker("b"))).DefaultTimeout();
        Assert.Equal(3, (await coordinator.GetJobAsync(job.Id).DefaultTimeout())!.Progress.Step);
    }
}
