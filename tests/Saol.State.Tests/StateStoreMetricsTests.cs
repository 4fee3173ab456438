using Saol.Coordinator.State;
using Saol.Metrics;
using Saol.TestKit;
using Xunit;

namespace Saol.State.Tests;

public sealed class StateStoreMetricsTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_lease = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Refresh_JobsAndWorkers_SetsEveryStatusAndLiveWorkersOfUnfinishedJobs()
    {
        var time = new ManualTimeProvider(s_start);
        await using var store = StateStore.CreateInMemory(time);
        foreach (var (id, status) in new[] { ("a", JobStatus.Running), ("b", JobStatus.Running), ("c", JobStatus.Completed), ("d", JobStatus.Pending) })
        {
            await store.TryCreateJobAsync(JobRecord.New(id, "{}", s_start)).DefaultTimeout();
            await store.UpdateJobAsync(id, j => j with { Status = status }).DefaultTimeout();
        }
        await store.RegisterWorkerAsync("a", new WorkerRegistration("w1", "h:1", 8, "n1"), s_lease).DefaultTimeout();
        await store.RegisterWorkerAsync("a", new WorkerRegistration("w2", "h:2", 8, "n2"), s_lease).DefaultTimeout();
        await store.RegisterWorkerAsync("b", new WorkerRegistration("w3", "h:3", 8, "n3"), TimeSpan.FromSeconds(1)).DefaultTimeout();
        await store.RegisterWorkerAsync("c", new WorkerRegistration("w4", "h:4", 8, "n4"), s_lease).DefaultTimeout();
        time.Advance(TimeSpan.FromSeconds(2));

        var registry = new MetricRegistry();
        var metrics = SaolMetrics.Register(registry);
        await store.RefreshAsync(metrics).DefaultTimeout();

        var text = registry.Expose();
        Assert.Contains("saol_jobs{status=\"running\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("saol_jobs{status=\"completed\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("saol_jobs{status=\"pending\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("saol_jobs{status=\"failed\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("saol_jobs{status=\"cancelled\"} 0\n", text, StringComparison.Ordinal);
        // w3's lease ran out and w4's job is finished: only w1 and w2 count.
        Assert.Equal(2, metrics.WorkersLive.Value);
    }

    [Fact]
    public async Task Run_DisposedStore_SurfacesObjectDisposedInsteadOfSwallowingIt()
    {
        var store = StateStore.CreateInMemory();
        await store.DisposeAsync();
        var metrics = SaolMetrics.Register(new MetricRegistry());
        var errors = 0;
        // A disposed in-memory store throws ObjectDisposedException, which is a bug in the caller, not an outage:
        // it must surface instead of being swallowed.
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.RunAsync(metrics, TimeSpan.FromMilliseconds(10), _ => errors++)).DefaultTimeout();
        Assert.Equal(0, errors);
    }

    [Fact]
    public async Task Run_Cancelled_EndsWithoutThrowing()
    {
        await using var store = StateStore.CreateInMemory();
        await store.TryCreateJobAsync(JobRecord.New("a", "{}", s_start)).DefaultTimeout();
        var registry = new MetricRegistry();
        var metrics = SaolMetrics.Register(registry);
        using var cts = new CancellationTokenSource();
        var run = store.RunAsync(metrics, TimeSpan.FromMilliseconds(20), cancellationToken: cts.Token);
        async Task FirstRefreshAsync()
        {
            while (!registry.Expose().Contains("saol_jobs{status=\"pending\"} 1\n", StringComparison.Ordinal))
            {
                await Task.Delay(10);
            }
        }
        await FirstRefreshAsync().DefaultTimeout();
        await cts.CancelAsync();
        await run.DefaultTimeout();
    }

    [Fact]
    public async Task Run_RedisUnreachable_KeepsLastValuesAndReportsEveryFailure()
    {
        var exe = RedisServerFixture.RequireExecutable();
        using var server = await RedisServer.StartAsync(exe).DefaultTimeout();
        await using var store = await StateStore.ConnectRedisAsync(server.Configuration + ",syncTimeout=1000,connectTimeout=500", "metrics:").DefaultTimeout();
        await store.TryCreateJobAsync(JobRecord.New("a", "{}", s_start)).DefaultTimeout();
        var metrics = SaolMetrics.Register(new MetricRegistry());
        await store.RefreshAsync(metrics).DefaultTimeout();
        Assert.Equal(1, metrics.Jobs.WithLabels("pending").Value);
        server.Kill();

        using var cts = new CancellationTokenSource();
        var failures = 0;
        var run = store.RunAsync(metrics, TimeSpan.FromMilliseconds(50), ex =>
        {
            Assert.IsType<StateStoreException>(ex);
            if (Interlocked.Increment(ref failures) == 2)
            {
                cts.Cancel();
            }
        }, cancellationToken: cts.Token);
        await run.DefaultTimeout();
        Assert.True(failures >= 2);
        Assert.Equal(1, metrics.Jobs.WithLabels("pending").Value);
    }
}
