using System.Net;
using System.Net.Sockets;
using Saol.Coordinator.State;
using Saol.TestKit;
using StackExchange.Redis;
using Xunit;

namespace Saol.State.Tests;

/// <summary>The contract suite against a real redis-server, plus what only Redis has: restarts, prefixes, bad data.</summary>
public sealed class RedisStateStoreTests(RedisServerFixture redis) : StateStoreContractTests, IClassFixture<RedisServerFixture>
{
    /// <summary>Every test gets its own key prefix, so tests sharing the server never see each other's keys.</summary>
    private static string PrefixFor(string testName) => $"test:{testName}:{Guid.NewGuid():N}:";

    protected override async Task<IStateStore> CreateStoreAsync(TimeProvider time, string testName) =>
        await StateStore.ConnectRedisAsync(redis.RequireConfiguration(), PrefixFor(testName), time);

    [Fact]
    public async Task Restart_NewConnectionSamePrefix_SeesEveryJobWorkerAndCheckpoint()
    {
        var configuration = redis.RequireConfiguration();
        var prefix = PrefixFor(nameof(Restart_NewConnectionSamePrefix_SeesEveryJobWorkerAndCheckpoint));
        var time = new ManualTimeProvider(Start);
        JobRecord[] jobs;
        await using (var first = await StateStore.ConnectRedisAsync(configuration, prefix, time).DefaultTimeout())
        {
            var a = await CreateAsync(first, "job-a");
            await CreateAsync(first, "job-b");
            await first.UpdateJobAsync("job-a", j => j with { Status = JobStatus.Running, Generation = 1, PlanJson = """{"ring":["w1"]}""" }).DefaultTimeout();
            await first.ReportProgressAsync("job-a", 1, new JobProgress(250, 2, 0.75, 1.6, 4096, Start.AddMinutes(9))).DefaultTimeout();
            await first.RegisterWorkerAsync("job-a", Worker("w1"), TimeSpan.FromMinutes(5)).DefaultTimeout();
            await first.TryAddCheckpointAsync(Checkpoint("c1", "job-a", 200)).DefaultTimeout();
            Assert.Equal(1, await first.NextIdAsync("job").DefaultTimeout());
            jobs = [.. await first.ListJobsAsync().DefaultTimeout()];
            Assert.Equal(a.Id, jobs[0].Id);
        }

        // A new coordinator process: a new multiplexer, nothing shared with the first but Redis.
        await using var second = await StateStore.ConnectRedisAsync(configuration, prefix, time).DefaultTimeout();
        Assert.Equal(jobs, await second.ListJobsAsync().DefaultTimeout());
        var job = (await second.GetJobAsync("job-a").DefaultTimeout())!;
        Assert.Equal(JobStatus.Running, job.Status);
        Assert.Equal(250, job.Progress.Step);
        Assert.Equal(["w1"], (await second.ListLiveWorkersAsync("job-a").DefaultTimeout()).Select(w => w.WorkerId));
        Assert.Equal([Checkpoint("c1", "job-a", 200)], await second.ListCheckpointsAsync("job-a").DefaultTimeout());
        Assert.Equal(2, await second.NextIdAsync("job").DefaultTimeout());
        // And it can carry on: the versions it read are the ones Redis holds.
        Assert.NotNull(await second.TryUpdateJobAsync(job with { Status = JobStatus.Completed }).DefaultTimeout());
    }

    [Fact]
    public async Task Watch_ChangeMadeThroughAnotherConnection_IsDelivered()
    {
        var configuration = redis.RequireConfiguration();
        var prefix = PrefixFor(nameof(Watch_ChangeMadeThroughAnotherConnection_IsDelivered));
        await using var watcher = await StateStore.ConnectRedisAsync(configuration, prefix).DefaultTimeout();
        await using var writer = await StateStore.ConnectRedisAsync(configuration, prefix).DefaultTimeout();
        await using var watch = await watcher.WatchJobAsync("job-1").DefaultTimeout();
        await CreateAsync(writer, "job-1");
        await writer.ReportProgressAsync("job-1", 0, new JobProgress(1, 0, 1, 0.1, 1, Start)).DefaultTimeout();
        Assert.Equal(new JobChange("job-1", JobChangeKind.Job), await watch.Changes.ReadAsync().AsTask().DefaultTimeout());
        Assert.Equal(new JobChange("job-1", JobChangeKind.Progress), await watch.Changes.ReadAsync().AsTask().DefaultTimeout());
        Assert.Equal(1, (await watcher.GetJobAsync("job-1").DefaultTimeout())!.Progress.Step);
    }

    [Fact]
    public async Task Prefixes_Different_IsolateStores()
    {
        var configuration = redis.RequireConfiguration();
        await using var a = await StateStore.ConnectRedisAsync(configuration, PrefixFor("isolation-a")).DefaultTimeout();
        await using var b = await StateStore.ConnectRedisAsync(configuration, PrefixFor("isolation-b")).DefaultTimeout();
        await CreateAsync(a, "job-1");
        Assert.Null(await b.GetJobAsync("job-1").DefaultTimeout());
        Assert.Empty(await b.ListJobsAsync().DefaultTimeout());
        Assert.NotNull(await b.TryCreateJobAsync(Job("job-1")).DefaultTimeout());
    }

    [Fact]
    public async Task GetJob_CorruptRecordInRedis_ThrowsStateStoreExceptionNamingTheJob()
    {
        var configuration = redis.RequireConfiguration();
        var prefix = PrefixFor(nameof(GetJob_CorruptRecordInRedis_ThrowsStateStoreExceptionNamingTheJob));
        await using var store = await StateStore.ConnectRedisAsync(configuration, prefix).DefaultTimeout();
        await CreateAsync(store, "job-1");
        using (var raw = await ConnectionMultiplexer.ConnectAsync(configuration).DefaultTimeout())
        {
            await raw.GetDatabase().HashSetAsync(prefix + "job:job-1", "core", "{not json").DefaultTimeout();
        }
        var ex = await Assert.ThrowsAsync<StateStoreException>(() => store.GetJobAsync("job-1")).DefaultTimeout();
        Assert.Contains("job 'job-1'", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StateStoreException>(() => store.ListJobsAsync()).DefaultTimeout();
    }

    [Fact]
    public async Task Connect_NothingListening_ThrowsStateStoreException()
    {
        redis.RequireConfiguration();
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var ex = await Assert.ThrowsAsync<StateStoreException>(() => StateStore.ConnectRedisAsync($"127.0.0.1:{port},connectTimeout=1000,connectRetry=1")).DefaultTimeout();
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_BadArguments_ThrowsArgumentException()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => StateStore.ConnectRedisAsync("")).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => StateStore.ConnectRedisAsync("127.0.0.1:1,nosuchoption=3")).DefaultTimeout();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => StateStore.ConnectRedisAsync("127.0.0.1:1", "bad prefix")).DefaultTimeout();
    }
}
