using Microsoft.Extensions.Logging;

namespace Saol.Collective.Internal.Peer;

/// <summary>Log events of the gRPC ring links (stable ids 6100–6199).</summary>
internal static partial class PeerLog
{
    [LoggerMessage(EventId = 6100, Level = LogLevel.Debug, Message = "Rank {Rank} opened its ring link to {Right} (job {JobId}, generation {Generation})")]
    public static partial void Connected(ILogger logger, int rank, string right, string jobId, long generation);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Rank {Rank} broke its ring (job {JobId}, generation {Generation}): {Reason}")]
    public static partial void Faulted(ILogger logger, int rank, string jobId, long generation, string reason);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Debug, Message = "Refused a ring link for job {JobId} generation {Generation} from rank {SenderRank}: {Reason}")]
    public static partial void Refused(ILogger logger, string jobId, long generation, int senderRank, string reason);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Debug, Message = "Rank {Rank} closed a broken ring link (job {JobId}, generation {Generation}): {Reason}")]
    public static partial void ClosedBroken(ILogger logger, int rank, string jobId, long generation, string reason);
}
