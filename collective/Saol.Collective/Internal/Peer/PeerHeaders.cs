using Saol.Collective.Internal.Links;
using Saol.Protos.V1;

namespace Saol.Collective.Internal.Peer;

/// <summary>The request headers that route a RingLink stream, and the header/enum mappings.</summary>
internal static class PeerHeaders
{
    public const string JobId = "saol-job-id";
    public const string Generation = "saol-generation";
    public const string SenderRank = "saol-sender-rank";
    // How long the sender waits for segments: the server waits as long for its own ring to register.
    public const string TimeoutMilliseconds = "saol-timeout-ms";

    public static Protos.V1.RingPhase ToWire(Links.RingPhase phase) =>
        phase == Links.RingPhase.ReduceScatter ? Protos.V1.RingPhase.ReduceScatter : Protos.V1.RingPhase.AllGather;

    public static WireDtype ToWire(WireFormat format) => format switch
    {
        WireFormat.Float32 => WireDtype.Float32,
        WireFormat.Float16 => WireDtype.Float16,
        _ => WireDtype.Bfloat16,
    };

    /// <summary>The header of a received message, or null when a field holds an unknown value.</summary>
    public static SegmentHeader? FromWire(Protos.V1.RingSegment message)
    {
        Links.RingPhase? phase = message.Phase switch
        {
            Protos.V1.RingPhase.ReduceScatter => Links.RingPhase.ReduceScatter,
            Protos.V1.RingPhase.AllGather => Links.RingPhase.AllGather,
            _ => null,
        };
        WireFormat? format = message.WireDtype switch
        {
            WireDtype.Float32 => WireFormat.Float32,
            WireDtype.Float16 => WireFormat.Float16,
            WireDtype.Bfloat16 => WireFormat.BFloat16,
            _ => null,
        };
        return phase is null || format is null
            ? null
            : new SegmentHeader(message.Collective, phase.Value, message.Step, message.Chunk, message.Segment, format.Value, message.TotalElements);
    }
}
