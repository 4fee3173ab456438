using Microsoft.Extensions.Logging;

namespace Saol.Worker.Internal;

internal static partial class WorkerLog
{
    [LoggerMessage(1, LogLevel.Information, "worker {WorkerId} registered; peer service at {Address}")]
    public static partial void Registered(ILogger logger, string workerId, string address);

    [LoggerMessage(2, LogLevel.Information, "job {JobId} generation {Generation}: rank {Rank} of {World}, starting at step {Step}")]
    public static partial void Assigned(ILogger logger, string jobId, long generation, int rank, int world, long step);

    [LoggerMessage(3, LogLevel.Warning, "generation {Generation} stopped: {Reason}")]
    public static partial void Stopped(ILogger logger, long generation, string reason);

    [LoggerMessage(4, LogLevel.Error, "generation {Generation} failed")]
    public static partial void Failed(ILogger logger, long generation, Exception error);

    [LoggerMessage(5, LogLevel.Information, "job {JobId}: rank {Rank} finished at step {Step}")]
    public static partial void Finished(ILogger logger, string jobId, int rank, long step);

    [LoggerMessage(6, LogLevel.Information, "the coordinator ended the session: {Reason}")]
    public static partial void Shutdown(ILogger logger, string reason);
}
