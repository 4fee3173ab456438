using Microsoft.Extensions.Logging;

namespace Saol.Coordinator.Internal;

internal static partial class CoordinatorLog
{
    [LoggerMessage(1, LogLevel.Information, "job {JobId} submitted: {Name}, {Workers} workers × {Devices} devices, global batch {Batch}")]
    public static partial void JobSubmitted(ILogger logger, string jobId, string name, int workers, int devices, int batch);

    [LoggerMessage(2, LogLevel.Information, "worker {WorkerId} registered with job {JobId} at {Address}")]
    public static partial void WorkerRegistered(ILogger logger, string jobId, string workerId, string address);

    [LoggerMessage(3, LogLevel.Information, "job {JobId} generation {Generation} formed: {World} ranks, per-device batch {PerDevice} × {Accumulation} accumulation, starting at step {Step}")]
    public static partial void GenerationFormed(ILogger logger, string jobId, long generation, int world, int perDevice, int accumulation, long step);

    [LoggerMessage(4, LogLevel.Warning, "job {JobId}: worker {WorkerId} missed its heartbeats; generation {Generation} is broken")]
    public static partial void WorkerLost(ILogger logger, string jobId, string workerId, long generation);

    [LoggerMessage(5, LogLevel.Information, "job {JobId}: checkpoint {CheckpointId} committed at step {Step}")]
    public static partial void CheckpointCommitted(ILogger logger, string jobId, string checkpointId, long step);

    [LoggerMessage(6, LogLevel.Information, "job {JobId} is {Status}: {Message}")]
    public static partial void JobFinished(ILogger logger, string jobId, string status, string message);

    [LoggerMessage(7, LogLevel.Warning, "job {JobId}: could not delete pruned checkpoint {Path}")]
    public static partial void PruneFailed(ILogger logger, string jobId, string path, Exception error);

    [LoggerMessage(8, LogLevel.Error, "the coordinator's monitor failed on job {JobId}")]
    public static partial void MonitorFailed(ILogger logger, string jobId, Exception error);
}
