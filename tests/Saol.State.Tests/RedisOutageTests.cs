using Saol.Coordinator.State;
using Saol.TestKit;
using Xunit;

namespace Saol.State.Tests;

/// <summary>What the Redis store does when its server dies, and when it comes back.</summary>
public sealed class RedisOutageTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ServerKilled_Operations_FailWithStateStoreExceptionInsteadOfHanging()
    {
        var exe = RedisServerFixture.RequireExecutable();
        using var server = await RedisServer.StartAsync(exe).DefaultTimeout();
        await using var store = await StateStore.ConnectRedisAsync(server.Configuration + ",syncTimeout=2000,connectTimeout=1000", "outage:").DefaultTimeout();
        Assert.NotNull(await store.TryCreateJobAsync(JobRecord.New("job-1", "{}", s_start)).DefaultTimeout());
        server.Kill();
        var ex = await Assert.ThrowsAsync<StateStoreException>(() => store.GetJobAsync("job-1")).DefaultTimeout();
        Assert.Contains("Redis", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StateStoreException>(() => store.UpdateJobAsync("job-1", j => j with { Status = JobStatus.Running })).DefaultTimeout();
    }

    [Fact]
    public async Task ServerRestartedOnItsAppendOnlyFile_SameStore_ReconnectsAndFindsEveryWrite()
    {
        var exe = RedisServerFixture.RequireExecutable();
        using var data = new TempDir("saol-redis-aof-");
        var server = await RedisServer.StartAsync(exe, dataDirectory: data.Path).DefaultTimeout();
        try
        {
            await using var store = await StateStore.ConnectRedisAsync(server.Configuration + ",syncTimeout=2000,connectTimeout=1000,abortConnect=false", "aof:").DefaultTimeout();
            await store.TryCreateJobAsync(JobRecord.New("job-1", """{"model":"resnet50"}""", s_start)).DefaultTimeout();
            var running = await store.UpdateJobAsync("job-1", j => j with { Status = JobStatus.Running, Generation = 1 }).DefaultTimeout();
            await store.TryAddCheckpointAsync(new CheckpointRecord("c1", "job-1", 100, 0, "/ckpt/c1", new string('a', 64), s_start)).DefaultTimeout();
            Assert.Equal(1, await store.NextIdAsync("job").DefaultTimeout());

            var port = server.Port;
            server.Kill();
            server.Dispose();
            server = await RedisServer.StartAsync(exe, port, data.Path).DefaultTimeout();

            // The multiplexer reconnects by itself; until it has, calls fail with StateStoreException.
            var job = await RetryAsync(() => store.GetJobAsync("job-1")).DefaultTimeout();
            Assert.Equal(running, job);
            Assert.Equal(["c1"], (await store.ListCheckpointsAsync("job-1").DefaultTimeout()).Select(c => c.Id));
            Assert.Equal(2, await store.NextIdAsync("job").DefaultTimeout());
            Assert.NotNull(await store.TryUpdateJobAsync(running with { Status = JobStatus.Completed }).DefaultTimeout());
        }
        finally
        {
            server.Dispose();
        }
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> operation)
    {
        while (true)
        {
            try
            {
                return await operation();
            }
            catch (StateStoreException)
            {
                await Task.Delay(100);
            }
        }
    }
}
