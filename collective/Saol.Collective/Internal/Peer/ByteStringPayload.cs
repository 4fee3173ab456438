using Google.Protobuf;
using Saol.Collective.Internal.Links;

namespace Saol.Collective.Internal.Peer;

/// <summary>A received payload: the parsed message's own bytes, owned by the GC.</summary>
internal sealed class ByteStringPayload(ByteString bytes) : SegmentPayload
{
    public override ReadOnlyMemory<byte> Memory => bytes.Memory;

    public override void Dispose()
    {
    }
}
