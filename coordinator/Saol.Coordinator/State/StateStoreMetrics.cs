using Saol.Metrics;

namespace Saol.Coordinator.State;

/// <summary>
/// Derives the coordinator's gauges from the store: <c>saol_jobs{status}</c> and <c>saol_workers_live</c>. Read from
/// the store rather than counted in memory, so a restarted coordinator (or a second read-only one) exports the same
/// numbers.
/// </summary>
public static class StateStoreMetrics
{
    /// <summary>How often <see cref="RunAsync"/> refreshes by default. 10 seconds.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    /// <summary>Sets every status of <c>saol_jobs</c> (0 when no job has it) and <c>saol_workers_live</c> over unfinished jobs.</summary>
    public static async Task RefreshAsync(this IStateStore store, SaolInstruments metrics, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(metrics);
        var jobs = await store.ListJobsAsync(cancellationToken).ConfigureAwait(false);
        var live = 0;
        foreach (var job in jobs.Where(j => !j.IsTerminal))
        {
            live += (await store.ListLiveWorkersAsync(job.Id, cancellationToken).ConfigureAwait(false)).Count;
        }
        // Set together at the end, so a scrape never sees the job counts of one refresh with the workers of another.
        foreach (var status in Enum.GetValues<JobStatus>())
        {
            metrics.Jobs.WithLabels(StatusLabel(status)).Set(jobs.Count(j => j.Status == status));
        }
        metrics.WorkersLive.Set(live);
    }

    /// <summary>
    /// Refreshes every <paramref name="interval"/> until <paramref name="cancellationToken"/> fires. A failed refresh
    /// (the store unreachable) keeps the previous values and is reported to <paramref name="onError"/>; it never ends
    /// the loop, because metrics must not take the coordinator down.
    /// </summary>
    public static async Task RunAsync(this IStateStore store, SaolInstruments metrics, TimeSpan interval, Action<Exception>? onError = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        using var timer = new PeriodicTimer(interval, timeProvider ?? TimeProvider.System);
        do
        {
            try
            {
                await store.RefreshAsync(metrics, cancellationToken).ConfigureAwait(false);
            }
            catch (StateStoreException ex)
            {
                onError?.Invoke(ex);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
        while (await WaitAsync(timer, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The <c>status</c> label value of a job status: its name in lower case.</summary>
    public static string StatusLabel(JobStatus status) => status.ToString().ToLowerInvariant();

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
