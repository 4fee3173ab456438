using Microsoft.Extensions.Logging;

namespace Saol.Collective.Internal;

/// <summary>The collective's log events (stable ids 6000–6099).</summary>
internal static partial class CollectiveLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Trace, Message = "Collective {Collective} started on rank {Rank}: {Elements} elements, wire {Format}")]
    public static partial void Started(ILogger logger, long collective, int rank, int elements, WireFormat format);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "Collective {Collective} failed on rank {Rank}: {Reason}")]
    public static partial void Failed(ILogger logger, long collective, int rank, string reason);
}
