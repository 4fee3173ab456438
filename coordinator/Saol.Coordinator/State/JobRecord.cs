namespace Saol.Coordinator.State;

/// <summary>The life-cycle state of a job. Stored by name, so reordering members never corrupts a store.</summary>
public enum JobStatus
{
    /// <summary>Accepted and waiting for enough workers to form its first generation.</summary>
    Pending,

    /// <summary>A generation is formed and training is under way.</summary>
    Running,

    /// <summary>Trained to the end of its budget.</summary>
    Completed,

    /// <summary>Stopped by an error it could not recover from; <see cref="JobRecord.Message"/> says why.</summary>
    Failed,

    /// <summary>Stopped on request.</summary>
    Cancelled,
}

/// <summary>The latest training progress of a job, as reported by its workers.</summary>
/// <param name="Step">Optimizer steps completed (global, not per worker).</param>
/// <param name="Epoch">The epoch the last step belonged to (0-based).</param>
/// <param name="Loss">The training loss of the last step (NaN before the first step).</param>
/// <param name="LearningRate">The learning rate used by the last step.</param>
/// <param name="ImagesPerSecond">Global training throughput over the last reporting window.</param>
/// <param name="UpdatedAt">When this progress was recorded.</param>
public sealed record JobProgress(long Step, int Epoch, double Loss, double LearningRate, double ImagesPerSecond, DateTimeOffset UpdatedAt)
{
    /// <summary>The progress of a job that has not taken a step yet.</summary>
    public static JobProgress None { get; } = new(0, 0, double.NaN, 0, 0, DateTimeOffset.UnixEpoch);
}

/// <summary>
/// One job as the store holds it. Immutable: change it with a <c>with</c> expression and write it back with
/// <see cref="IStateStore.TryUpdateJobAsync"/>, which succeeds only if nobody wrote the job since it was read.
/// </summary>
/// <param name="Id">The job's id (unique in the store).</param>
/// <param name="SpecJson">The validated job spec, as JSON. The store does not interpret it.</param>
/// <param name="Status">The job's life-cycle state.</param>
/// <param name="Generation">The current generation (rank assignment epoch); 0 until the first one forms.</param>
/// <param name="PlanJson">The current generation's plan (ranks, ring order, shard plan) as JSON, or null before the first.</param>
/// <param name="Progress">The latest training progress.</param>
/// <param name="Message">A human-readable note on the status (the failure reason of a failed job), or null.</param>
/// <param name="CreatedAt">When the job was created.</param>
/// <param name="Version">
/// The optimistic-concurrency version: 1 after creation, incremented by every successful write. Assigned by the
/// store; the value passed to <see cref="IStateStore.TryUpdateJobAsync"/> is the version the caller expects to replace.
/// </param>
public sealed record JobRecord(
    string Id,
    string SpecJson,
    JobStatus Status,
    long Generation,
    string? PlanJson,
    JobProgress Progress,
    string? Message,
    DateTimeOffset CreatedAt,
    long Version)
{
    /// <summary>A new job as passed to <see cref="IStateStore.TryCreateJobAsync"/>: pending, generation 0, no progress.</summary>
    public static JobRecord New(string id, string specJson, DateTimeOffset createdAt) =>
        new(id, specJson, JobStatus.Pending, 0, null, JobProgress.None, null, createdAt, 0);

    /// <summary>True once the job can no longer change status (completed, failed or cancelled).</summary>
    public bool IsTerminal => Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled;
}
