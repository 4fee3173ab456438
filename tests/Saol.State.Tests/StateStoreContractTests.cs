using System.Runtime.CompilerServices;
using Saol.Coordinator.State;
using Saol.TestKit;
using Xunit;

namespace Saol.State.Tests;

/// <summary>
/// The behaviour every <see cref="IStateStore"/> must have, run against each implementation by a derived class
/// (the pattern of dotnet/runtime's ChannelTestBase).
/// </summary>
public abstract class StateStoreContractTests
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    protected const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    /// <summary>Creates an empty store private to <paramref name="testName"/>.</summary>
    protected abstract Task<IStateStore> CreateStoreAsync(TimeProvider time, string testName);

    protected Task<IStateStore> NewStoreAsync(TimeProvider? time = null, [CallerMemberName] string testName = "") =>
        CreateStoreAsync(time ?? new ManualTimeProvider(Start), testName);

    protected static JobRecord Job(string id, string spec = """{"model":"resnet18"}""") => JobRecord.New(id, spec, Start);

    protected static async Task<JobRecord> CreateAsync(IStateStore store, string id) =>
        await store.TryCreateJobAsync(Job(id)).DefaultTimeout() ?? throw new InvalidOperationException($"job {id} exists");

    protected static WorkerRegistration Worker(string id) => new(id, $"{id}.workers:7070", 8, "node-" + id);

    protected static CheckpointRecord Checkpoint(string id, string jobId, long step) =>
        new(id, jobId, step, (int)(step / 100), $"/ckpt/{jobId}/{id}", Sha, Start.AddMinutes(step));

    // ---- id allocator ----

    [Fact]
    public async Task NextId_SameSequence_CountsFromOne()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        Assert.Equal(1, await store.NextIdAsync("job").DefaultTimeout());
        Assert.Equal(2, await store.NextIdAsync("job").DefaultTimeout());
        Assert.Equal(1, await store.NextIdAsync("checkpoint").DefaultTimeout());
        Assert.Equal(3, await store.NextIdAsync("job").DefaultTimeout());
    }

    [Fact]
    public async Task NextId_ManyConcurrentCallers_NeverRepeats()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        var ids = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => store.NextIdAsync("worker")))).DefaultTimeout();
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), ids.Order());
    }

    // ---- jobs ----

    [Fact]
    public async Task TryCreateJob_NewId_StoresVersionOneAndReadsBackEqual()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        var job = Job("job-1") with { Message = "waiting for 2 workers", PlanJson = null, Version = 42 };
        var created = await store.TryCreateJobAsync(job).DefaultTimeout();
        Assert.Equal(job with { Version = 1 }, created);
        var read = await store.GetJobAsync("job-1").DefaultTimeout();
        Assert.Equal(created, read);
        Assert.True(double.IsNaN(read!.Progress.Loss));
        Assert.Equal(JobStatus.Pending, read.Status);
    }

    [Fact]
    public async Task TryCreateJob_ExistingId_ReturnsNullAndKeepsTheFirst()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        Assert.Null(await store.TryCreateJobAsync(Job("job-1", """{"other":true}""")).DefaultTimeout());
        Assert.Equal("""{"model":"resnet18"}""", (await store.GetJobAsync("job-1").DefaultTimeout())!.SpecJson);
    }

    [Fact]
    public async Task GetJob_UnknownId_ReturnsNull()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        Assert.Null(await store.GetJobAsync("nope").DefaultTimeout());
    }

    [Fact]
    public async Task ListJobs_SeveralJobs_InCreationOrder()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        Assert.Empty(await store.ListJobsAsync().DefaultTimeout());
        foreach (var id in new[] { "zeta", "alpha", "mid" })
        {
            await CreateAsync(store, id);
        }
        var jobs = await store.ListJobsAsync().DefaultTimeout();
        Assert.Equal(["zeta", "alpha", "mid"], jobs.Select(j => j.Id));
    }

    [Fact]
    public async Task TryUpdateJob_CurrentVersion_WritesEveryFieldAndIncrementsVersion()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        var job = await CreateAsync(store, "job-1");
        var progress = new JobProgress(12, 1, 0.5, 1.6, 2048.5, Start.AddMinutes(3));
        var changed = job with
        {
            Status = JobStatus.Running,
            Generation = 3,
            PlanJson = """{"ranks":["w1","w2"]}""",
            Progress = progress,
            Message = "running on 2 workers",
            SpecJson = """{"model":"resnet50"}""",
            CreatedAt = Start.AddYears(1),
        };
        var stored = await store.TryUpdateJobAsync(changed).DefaultTimeout();
        // The creation time is the store's, whatever the caller passes.
        var expected = changed with { Version = 2, CreatedAt = Start };
        Assert.Equal(expected, stored);
        Assert.Equal(expected, await store.GetJobAsync("job-1").DefaultTimeout());
    }

    [Fact]
    public async Task TryUpdateJob_StaleVersion_ReturnsNullAndWritesNothing()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        var job = await CreateAsync(store, "job-1");
        var first = await store.TryUpdateJobAsync(job with { Status = JobStatus.Running }).DefaultTimeout();
        Assert.NotNull(first);
        Assert.Null(await store.TryUpdateJobAsync(job with { Status = JobStatus.Cancelled }).DefaultTimeout());
        Assert.Null(await store.TryUpdateJobAsync(job with { Version = 99, Status = JobStatus.Cancelled }).DefaultTimeout());
        Assert.Equal(first, await store.GetJobAsync("job-1").DefaultTimeout());
    }

    [Fact]
    public async Task TryUpdateJob_UnknownJob_ThrowsJobNotFound()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        var ex = await Assert.ThrowsAsync<JobNotFoundException>(() => store.TryUpdateJobAsync(Job("ghost") with { Version = 1 })).DefaultTimeout();
        Assert.Equal("ghost", ex.JobId);
        Assert.Contains("ghost", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateJob_ConcurrentWriters_LoseNoUpdate()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await store.UpdateJobAsync("job-1", j => j with { Generation = j.Generation + 1 });
            }
        }))).DefaultTimeout();
        var job = await store.GetJobAsync("job-1").DefaultTimeout();
        Assert.Equal(60, job!.Generation);
        Assert.Equal(61, job.Version);
    }

    [Fact]
    public async Task UpdateJob_ChangeReturnsSameInstance_WritesNothing()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        var job = await CreateAsync(store, "job-1");
        var result = await store.UpdateJobAsync("job-1", j => j).DefaultTimeout();
        Assert.Equal(job, result);
        Assert.Equal(1, (await store.GetJobAsync("job-1").DefaultTimeout())!.Version);
    }

    [Fact]
    public async Task UpdateJob_UnknownJob_ThrowsJobNotFound()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await Assert.ThrowsAsync<JobNotFoundException>(() => store.UpdateJobAsync("ghost", j => j with { Status = JobStatus.Failed })).DefaultTimeout();
    }

    [Fact]
    public async Task ReportProgress_CurrentGeneration_RecordsAndIncrementsVersion()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        await store.UpdateJobAsync("job-1", j => j with { Generation = 2, Status = JobStatus.Running }).DefaultTimeout();
        var progress = new JobProgress(100, 3, 1.25, 0.8, 512, Start.AddSeconds(30));
        Assert.True(await store.ReportProgressAsync("job-1", 2, progress).DefaultTimeout());
        var job = await store.GetJobAsync("job-1").DefaultTimeout();
        Assert.Equal(progress, job!.Progress);
        Assert.Equal(3, job.Version);
        Assert.Equal(JobStatus.Running, job.Status);
    }

    [Fact]
    public async Task ReportProgress_SupersededGeneration_IsRefusedAndChangesNothing()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        var before = await store.UpdateJobAsync("job-1", j => j with { Generation = 5 }).DefaultTimeout();
        Assert.False(await store.ReportProgressAsync("job-1", 4, new JobProgress(7, 0, 2, 0.1, 10, Start)).DefaultTimeout());
        Assert.Equal(before, await store.GetJobAsync("job-1").DefaultTimeout());
    }

    [Fact]
    public async Task ReportProgress_UnknownJob_ThrowsJobNotFound()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await Assert.ThrowsAsync<JobNotFoundException>(() => store.ReportProgressAsync("ghost", 0, JobProgress.None)).DefaultTimeout();
    }

    // ---- workers ----

    [Fact]
    public async Task RegisterWorker_KnownJob_IsLiveWithLeaseFromNow()
    {
        var time = new ManualTimeProvider(Start);
        await using var store = await NewStoreAsync(time).DefaultTimeout();
        await CreateAsync(store, "job-1");
        var worker = await store.RegisterWorkerAsync("job-1", Worker("w1"), Lease).DefaultTimeout();
        Assert.Equal(new WorkerRecord("job-1", Worker("w1"), Start, Start + Lease), worker);
        Assert.Equal([worker], await store.ListLiveWorkersAsync("job-1").DefaultTimeout());
        Assert.Empty(await store.ListLiveWorkersAsync("other-job").DefaultTimeout());
    }

    [Fact]
    public async Task RegisterWorker_UnknownJob_ThrowsJobNotFound()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await Assert.ThrowsAsync<JobNotFoundException>(() => store.RegisterWorkerAsync("ghost", Worker("w1"), Lease)).DefaultTimeout();
    }

    [Fact]
    public async Task RegisterWorker_SameIdAgain_ReplacesTheRegistration()
    {
        var time = new ManualTimeProvider(Start);
        await using var store = await NewStoreAsync(time).DefaultTimeout();
        await CreateAsync(store, "job-1");
        await store.RegisterWorkerAsync("job-1", Worker("w1"), Lease).DefaultTimeout();
        time.Advance(TimeSpan.FromSeconds(3));
        var moved = Worker("w1") with { Address = "10.0.0.9:7070", Devices = 4 };
        await store.RegisterWorkerAsync("job-1", moved, Lease).DefaultTimeout();
        var live = Assert.Single(await store.ListLiveWorkersAsync("job-1").DefaultTimeout());
        Assert.Equal(new WorkerRecord("job-1", moved, Start.AddSeconds(3), Start.AddSeconds(3) + Lease), live);
    }

    [Fact]
    public async Task ListLiveWorkers_SeveralWorkers_OrderedByRegistrationThenId()
    {
        var time = new ManualTimeProvider(Start);
        await using var store = await NewStoreAsync(time).DefaultTimeout();
        await CreateAsync(store, "job-1");
        await store.RegisterWorkerAsync("job-1", Worker("w3"), Lease).DefaultTimeout();
        time.Advance(TimeSpan.FromSeconds(1));
        await store.RegisterWorkerAsync("job-1", Worker("w2"), Lease).DefaultTimeout();
        await store.RegisterWorkerAsync("job-1", Worker("w1"), Lease).DefaultTimeout();
        var live = await store.ListLiveWorkersAsync("job-1").DefaultTimeout();
        Assert.Equal(["w3", "w1", "w2"], live.Select(w => w.WorkerId));
    }

    [Fact]
    public async Task Heartbeat_LiveWorker_ExtendsTheLease()
    {
        var time = new ManualTimeProvider(Start);
        await using var store = await NewStoreAsync(time).DefaultTimeout();
        await CreateAsync(store, "job-1");
        await store.RegisterWorkerAsync("job-1", Worker("w1"), Lease).DefaultTimeout();
        time.Advance(TimeSpan.FromSeconds(8));
        Assert.True(await store.HeartbeatAsync("job-1", "w1", Lease).DefaultTimeout());
        time.Advance(TimeSpan.FromSeconds(8));
        // 16 s after registering with a 10 s lease: alive only thanks to the heartbeat.
        var live = Assert.Single(await store.ListLiveWorkersAsync("job-1").DefaultTimeout());
        Assert.Equal(Start.AddSeconds(18), live.LeaseExpiresAt);
        Assert.Equal(Start, live.RegisteredAt);
    }

    [Fact]
    public async Task Heartbeat_AfterLeaseRanOut_IsRefusedAndWorkerStaysDead()
    {
        var time = new ManualTimeProvider(Start);
        await using var store = await NewStoreAsync(time).DefaultTimeout();
        await CreateAsync(store, "job-1");
        await store.RegisterWorkerAsync("job-1", Worker("w1"), Lease).DefaultTimeout();
        time.Advance(Lease);
        Assert.False(await store.HeartbeatAsync("job-1", "w1", Lease).DefaultTimeout());
        Assert.Empty(await store.ListLiveWorkersAsync("job-1").DefaultTimeout());
    }

    [Fact]
    public async Task Heartbeat_UnknownWorkerOrJob_ReturnsFalse()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        Assert.False(await store.HeartbeatAsync("job-1", "nobody", Lease).DefaultTimeout());
        Assert.False(await store.HeartbeatAsync("ghost", "nobody", Lease).DefaultTimeout());
    }

    [Fact]
    public async Task ExpireWorkers_SomeLeasesRanOut_RemovesAndReturnsOnlyThose()
    {
        var time = new ManualTimeProvider(Start);
        await using var store = await NewStoreAsync(time).DefaultTimeout();
        await CreateAsync(store, "job-1");
        await store.RegisterWorkerAsync("job-1", Worker("w1"), Lease).DefaultTimeout();
        await store.RegisterWorkerAsync("job-1", Worker("w2"), Lease).DefaultTimeout();
        await store.RegisterWorkerAsync("job-1", Worker("w3"), TimeSpan.FromMinutes(1)).DefaultTimeout();
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await store.HeartbeatAsync("job-1", "w2", Lease).DefaultTimeout());
        time.Advance(TimeSpan.FromSeconds(6));
        var expired = await store.ExpireWorkersAsync("job-1").DefaultTimeout();
        Assert.Equal([new WorkerRecord("job-1", Worker("w1"), Start, Start + Lease)], expired);
        Assert.Equal(["w2", "w3"], (await store.ListLiveWorkersAsync("job-1").DefaultTimeout()).Select(w => w.WorkerId));
        Assert.Empty(await store.ExpireWorkersAsync("job-1").DefaultTimeout());
        // Expired means gone: a late heartbeat cannot bring it back.
        Assert.False(await store.HeartbeatAsync("job-1", "w1", Lease).DefaultTimeout());
    }

    [Fact]
    public async Task RemoveWorker_Registered_RemovesOnce()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        await store.RegisterWorkerAsync("job-1", Worker("w1"), Lease).DefaultTimeout();
        Assert.True(await store.RemoveWorkerAsync("job-1", "w1").DefaultTimeout());
        Assert.False(await store.RemoveWorkerAsync("job-1", "w1").DefaultTimeout());
        Assert.Empty(await store.ListLiveWorkersAsync("job-1").DefaultTimeout());
    }

    // ---- checkpoint catalog ----

    [Fact]
    public async Task Checkpoints_Appended_ListInCommitOrderWithLatestLast()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        Assert.Empty(await store.ListCheckpointsAsync("job-1").DefaultTimeout());
        Assert.Null(await store.GetLatestCheckpointAsync("job-1").DefaultTimeout());
        // A resume from an older checkpoint commits a lower step after a higher one: commit order wins.
        var all = new[] { Checkpoint("c1", "job-1", 100), Checkpoint("c2", "job-1", 200), Checkpoint("c3", "job-1", 150) };
        foreach (var c in all)
        {
            Assert.True(await store.TryAddCheckpointAsync(c).DefaultTimeout());
        }
        Assert.Equal(all, await store.ListCheckpointsAsync("job-1").DefaultTimeout());
        Assert.Equal(all[2], await store.GetLatestCheckpointAsync("job-1").DefaultTimeout());
    }

    [Fact]
    public async Task TryAddCheckpoint_IdAlreadyInAnyJob_ReturnsFalse()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        await CreateAsync(store, "job-2");
        Assert.True(await store.TryAddCheckpointAsync(Checkpoint("c1", "job-1", 100)).DefaultTimeout());
        Assert.False(await store.TryAddCheckpointAsync(Checkpoint("c1", "job-1", 300)).DefaultTimeout());
        Assert.False(await store.TryAddCheckpointAsync(Checkpoint("c1", "job-2", 100)).DefaultTimeout());
        Assert.Equal([Checkpoint("c1", "job-1", 100)], await store.ListCheckpointsAsync("job-1").DefaultTimeout());
        Assert.Empty(await store.ListCheckpointsAsync("job-2").DefaultTimeout());
    }

    [Fact]
    public async Task TryAddCheckpoint_UnknownJob_ThrowsJobNotFound()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await Assert.ThrowsAsync<JobNotFoundException>(() => store.TryAddCheckpointAsync(Checkpoint("c1", "ghost", 1))).DefaultTimeout();
    }

    [Fact]
    public async Task GetCheckpoint_ById_FindsItInItsJob()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        await CreateAsync(store, "job-2");
        await store.TryAddCheckpointAsync(Checkpoint("c1", "job-1", 100)).DefaultTimeout();
        await store.TryAddCheckpointAsync(Checkpoint("c2", "job-2", 100)).DefaultTimeout();
        Assert.Equal(Checkpoint("c2", "job-2", 100), await store.GetCheckpointAsync("c2").DefaultTimeout());
        Assert.Null(await store.GetCheckpointAsync("c9").DefaultTimeout());
    }

    [Fact]
    public async Task RemoveCheckpoint_Oldest_LeavesTheRestInOrder()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        for (var i = 1; i <= 4; i++)
        {
            await store.TryAddCheckpointAsync(Checkpoint($"c{i}", "job-1", i * 100)).DefaultTimeout();
        }
        Assert.True(await store.RemoveCheckpointAsync("job-1", "c1").DefaultTimeout());
        Assert.True(await store.RemoveCheckpointAsync("job-1", "c4").DefaultTimeout());
        Assert.False(await store.RemoveCheckpointAsync("job-1", "c4").DefaultTimeout());
        Assert.False(await store.RemoveCheckpointAsync("job-2", "c2").DefaultTimeout());
        Assert.Equal(["c2", "c3"], (await store.ListCheckpointsAsync("job-1").DefaultTimeout()).Select(c => c.Id));
        Assert.Equal("c3", (await store.GetLatestCheckpointAsync("job-1").DefaultTimeout())!.Id);
        Assert.Null(await store.GetCheckpointAsync("c1").DefaultTimeout());
        // A removed id is free again (a rewritten checkpoint after a rollback).
        Assert.True(await store.TryAddCheckpointAsync(Checkpoint("c1", "job-1", 500)).DefaultTimeout());
    }

    // ---- watch ----

    [Fact]
    public async Task WatchJob_EveryKindOfChange_DeliveredInOrder()
    {
        var time = new ManualTimeProvider(Start);
        await using var store = await NewStoreAsync(time).DefaultTimeout();
        // Subscribed before the job exists: a CLI may watch what it is about to submit.
        await using var watch = await store.WatchJobAsync("job-1").DefaultTimeout();
        var job = await CreateAsync(store, "job-1");
        await store.TryUpdateJobAsync(job with { Status = JobStatus.Running }).DefaultTimeout();
        await store.ReportProgressAsync("job-1", 0, new JobProgress(1, 0, 2.3, 0.1, 100, Start)).DefaultTimeout();
        await store.RegisterWorkerAsync("job-1", Worker("w1"), Lease).DefaultTimeout();
        await store.TryAddCheckpointAsync(Checkpoint("c1", "job-1", 1)).DefaultTimeout();
        await store.RemoveCheckpointAsync("job-1", "c1").DefaultTimeout();
        await store.RemoveWorkerAsync("job-1", "w1").DefaultTimeout();
        JobChangeKind[] expected =
        [
            JobChangeKind.Job, JobChangeKind.Job, JobChangeKind.Progress, JobChangeKind.Workers,
            JobChangeKind.Checkpoints, JobChangeKind.Checkpoints, JobChangeKind.Workers,
        ];
        var seen = new List<JobChange>();
        for (var i = 0; i < expected.Length; i++)
        {
            seen.Add(await watch.Changes.ReadAsync().AsTask().DefaultTimeout());
        }
        Assert.Equal(expected.Select(k => new JobChange("job-1", k)), seen);
    }

    [Fact]
    public async Task WatchJob_OtherJobsChange_SeesOnlyItsOwn()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await using var watch = await store.WatchJobAsync("job-2").DefaultTimeout();
        await CreateAsync(store, "job-1");
        await store.RegisterWorkerAsync("job-1", Worker("w1"), Lease).DefaultTimeout();
        await CreateAsync(store, "job-2");
        Assert.Equal(new JobChange("job-2", JobChangeKind.Job), await watch.Changes.ReadAsync().AsTask().DefaultTimeout());
        Assert.False(watch.Changes.TryRead(out _));
    }

    [Fact]
    public async Task WatchJob_LeaseExpiry_NotifiesWorkers()
    {
        var time = new ManualTimeProvider(Start);
        await using var store = await NewStoreAsync(time).DefaultTimeout();
        await CreateAsync(store, "job-1");
        await store.RegisterWorkerAsync("job-1", Worker("w1"), Lease).DefaultTimeout();
        await using var watch = await store.WatchJobAsync("job-1").DefaultTimeout();
        time.Advance(Lease);
        Assert.Single(await store.ExpireWorkersAsync("job-1").DefaultTimeout());
        Assert.Equal(new JobChange("job-1", JobChangeKind.Workers), await watch.Changes.ReadAsync().AsTask().DefaultTimeout());
    }

    [Fact]
    public async Task WatchJob_Disposed_CompletesTheReaderAndReceivesNoMore()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        var watch = await store.WatchJobAsync("job-1").DefaultTimeout();
        await watch.DisposeAsync();
        await CreateAsync(store, "job-1");
        await watch.Changes.Completion.DefaultTimeout();
        Assert.False(watch.Changes.TryRead(out _));
        await watch.DisposeAsync();
    }

    [Fact]
    public async Task WatchJob_ReadAllAsync_EndsWhenDisposed()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        var watch = await store.WatchJobAsync("job-1").DefaultTimeout();
        var reader = Task.Run(async () =>
        {
            var kinds = new List<JobChangeKind>();
            await foreach (var change in watch.ReadAllAsync())
            {
                kinds.Add(change.Kind);
                if (kinds.Count == 2)
                {
                    await watch.DisposeAsync();
                }
            }
            return kinds;
        });
        var job = await CreateAsync(store, "job-1");
        await store.TryUpdateJobAsync(job with { Status = JobStatus.Cancelled }).DefaultTimeout();
        Assert.Equal([JobChangeKind.Job, JobChangeKind.Job], await reader.DefaultTimeout());
    }

    // ---- bad input and disposal ----

    [Theory]
    [InlineData("")]
    [InlineData("has:colon")]
    [InlineData("has space")]
    [InlineData("new\nline")]
    public async Task Ids_Invalid_AreRefusedWithArgumentException(string id)
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.TryCreateJobAsync(Job(id))).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetJobAsync(id)).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.NextIdAsync(id)).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.RegisterWorkerAsync("job-1", Worker("w") with { WorkerId = id }, Lease)).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WatchJobAsync(id)).DefaultTimeout();
        Assert.Empty(await store.ListJobsAsync().DefaultTimeout());
    }

    [Fact]
    public async Task Ids_TooLong_AreRefused()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetJobAsync(new string('j', 129))).DefaultTimeout();
        Assert.Contains("128", ex.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetJobAsync(new string('j', 128)).DefaultTimeout());
    }

    [Fact]
    public async Task Arguments_OutOfRange_AreRefusedAndStoreUnchanged()
    {
        await using var store = await NewStoreAsync().DefaultTimeout();
        await CreateAsync(store, "job-1");
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.RegisterWorkerAsync("job-1", Worker("w1"), TimeSpan.Zero)).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.RegisterWorkerAsync("job-1", Worker("w1") with { Devices = 0 }, Lease)).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.HeartbeatAsync("job-1", "w1", TimeSpan.FromSeconds(-1))).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.TryAddCheckpointAsync(Checkpoint("c1", "job-1", 1) with { ManifestSha256 = "ABC" })).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.TryAddCheckpointAsync(Checkpoint("c1", "job-1", -1))).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.TryAddCheckpointAsync(Checkpoint("c1", "job-1", 1) with { Path = " " })).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ReportProgressAsync("job-1", 0, JobProgress.None with { ImagesPerSecond = double.NaN })).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.TryCreateJobAsync(Job("job-2") with { Status = (JobStatus)42 })).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.TryCreateJobAsync(Job("job-3") with { Generation = -1 })).DefaultTimeout();
        Assert.Empty(await store.ListLiveWorkersAsync("job-1").DefaultTimeout());
        Assert.Empty(await store.ListCheckpointsAsync("job-1").DefaultTimeout());
        Assert.Single(await store.ListJobsAsync().DefaultTimeout());
    }

    [Fact]
    public async Task Dispose_ThenUse_ThrowsObjectDisposedAndCompletesWatches()
    {
        var store = await NewStoreAsync().DefaultTimeout();
        var watch = await store.WatchJobAsync("job-1").DefaultTimeout();
        await store.DisposeAsync();
        await store.DisposeAsync();
        await watch.Changes.Completion.DefaultTimeout();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetJobAsync("job-1")).DefaultTimeout();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.NextIdAsync("job")).DefaultTimeout();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.WatchJobAsync("job-1")).DefaultTimeout();
    }
}
