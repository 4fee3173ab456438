namespace Saol.Coordinator.State;

/// <summary>
/// Everything the coordinator must not lose: jobs, worker registrations with heartbeat leases, each job's checkpoint
/// catalog, and the id allocator. Create one with <see cref="StateStore"/>: in memory for single-machine runs, or
/// Redis, where a restarted coordinator finds every job as it was.
/// </summary>
/// <remarks>
/// All members are safe to call concurrently. Jobs use optimistic concurrency: read, change with <c>with</c>, and write
/// back with <see cref="TryUpdateJobAsync"/>, which fails (returns null) when the job was written in between; the
/// <see cref="StateStoreExtensions.UpdateJobAsync"/> helper wraps that loop. Times come from the store's
/// <see cref="TimeProvider"/> and are kept to whole milliseconds.
/// </remarks>
public interface IStateStore : IAsyncDisposable
{
    /// <summary>Returns the next value of the named sequence: 1, 2, 3, … Never repeats, also across restarts of a Redis store.</summary>
    /// <param name="sequence">The sequence's name (for example "job", "worker", "checkpoint").</param>
    /// <param name="cancellationToken">Cancels the wait (the increment may still happen).</param>
    Task<long> NextIdAsync(string sequence, CancellationToken cancellationToken = default);

    /// <summary>Adds a job. Its <see cref="JobRecord.Version"/> is ignored; the stored job has version 1.</summary>
    /// <returns>The stored job, or null when a job with that id exists already.</returns>
    Task<JobRecord?> TryCreateJobAsync(JobRecord job, CancellationToken cancellationToken = default);

    /// <summary>Returns the job, or null when the store has none with that id.</summary>
    Task<JobRecord?> GetJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Returns every job in the order they were created.</summary>
    Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Compare-and-set: replaces the job (every field but <see cref="JobRecord.Id"/> and <see cref="JobRecord.CreatedAt"/>)
    /// if the stored version still equals <paramref name="job"/>'s <see cref="JobRecord.Version"/>.
    /// </summary>
    /// <returns>The stored job with its new version, or null on a version conflict (nothing was written).</returns>
    /// <exception cref="JobNotFoundException">The store has no such job.</exception>
    Task<JobRecord?> TryUpdateJobAsync(JobRecord job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records progress for the job if <paramref name="generation"/> is its current generation, so a report from a
    /// worker of a superseded generation cannot overwrite newer progress. Increments the job's version.
    /// </summary>
    /// <returns>True when recorded; false when the generation is not current.</returns>
    /// <exception cref="JobNotFoundException">The store has no such job.</exception>
    Task<bool> ReportProgressAsync(string jobId, long generation, JobProgress progress, CancellationToken cancellationToken = default);

    /// <summary>Registers (or re-registers) a worker with a job, live for <paramref name="lease"/> from now.</summary>
    /// <exception cref="JobNotFoundException">The store has no such job.</exception>
    Task<WorkerRecord> RegisterWorkerAsync(string jobId, WorkerRegistration registration, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Extends a live worker's lease to <paramref name="lease"/> from now.</summary>
    /// <returns>
    /// True when extended; false when the worker is not registered or its lease has run out already (it must
    /// register again: the coordinator may have formed a generation without it).
    /// </returns>
    Task<bool> HeartbeatAsync(string jobId, string workerId, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Returns the job's workers whose lease has not run out, ordered by registration time, then id.</summary>
    Task<IReadOnlyList<WorkerRecord>> ListLiveWorkersAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Removes the job's workers whose lease has run out and returns them (empty when none).</summary>
    Task<IReadOnlyList<WorkerRecord>> ExpireWorkersAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Removes a worker that left the job.</summary>
    /// <returns>True when it was registered.</returns>
    Task<bool> RemoveWorkerAsync(string jobId, string workerId, CancellationToken cancellationToken = default);

    /// <summary>Appends a committed checkpoint to its job's catalog.</summary>
    /// <returns>True when added; false when a checkpoint with that id is in the store already (a repeated commit).</returns>
    /// <exception cref="JobNotFoundException">The store has no job <see cref="CheckpointRecord.JobId"/>.</exception>
    Task<bool> TryAddCheckpointAsync(CheckpointRecord checkpoint, CancellationToken cancellationToken = default);

    /// <summary>Returns the job's checkpoints in the order they were committed (oldest first).</summary>
    Task<IReadOnlyList<CheckpointRecord>> ListCheckpointsAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Returns the job's most recently committed checkpoint, or null when it has none.</summary>
    Task<CheckpointRecord?> GetLatestCheckpointAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Finds a checkpoint by its id in any job, or returns null.</summary>
    Task<CheckpointRecord?> GetCheckpointAsync(string checkpointId, CancellationToken cancellationToken = default);

    /// <summary>Removes a checkpoint from its job's catalog (its files are the caller's to delete).</summary>
    /// <returns>True when it was in the catalog.</returns>
    Task<bool> RemoveCheckpointAsync(string jobId, string checkpointId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to the job's changes. The returned subscription is established: every change made after the task
    /// completes is delivered (subscribe first, then read the job, and no change falls between the two).
    /// </summary>
    Task<JobSubscription> WatchJobAsync(string jobId, CancellationToken cancellationToken = default);
}
