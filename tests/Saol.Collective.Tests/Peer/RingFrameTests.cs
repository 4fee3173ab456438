using Google.Protobuf;
using Saol.Collective.Internal.Links;
using Saol.Collective.Internal.Peer;
using Xunit;
using WireSegment = Saol.Protos.V1.RingSegment;

namespace Saol.Collective.Tests.Peer;

public sealed class RingFrameTests
{
    [Fact]
    public void Serialize_ParsedByTheGeneratedCode_GivesTheSameMessage()
    {
        var payload = new PooledPayload(1000);
        new Random(1).NextBytes(payload.Span);
        var header = new WireSegment { JobId = "j", Generation = 3, SenderRank = 2, Collective = 9, Step = 1, Chunk = 4, Segment = 5, TotalElements = 250 };
        var bytes = RingFrame.Method.RequestMarshaller.Serializer(new RingFrame(header, payload));
        var parsed = WireSegment.Parser.ParseFrom(bytes);
        var expected = header.Clone();
        expected.Payload = ByteString.CopyFrom(payload.Span);
        Assert.Equal(expected, parsed);
        payload.Dispose();
    }

    [Fact]
    public void Deserialize_GeneratedEncoding_SplitsHeaderAndPooledPayload()
    {
        var payload = new byte[300];
        new Random(2).NextBytes(payload);
        // Payload first, then an abort: field order must not matter.
        var message = new WireSegment { JobId = "job", Generation = 1, Collective = 77, Payload = ByteString.CopyFrom(payload), Abort = new Saol.Protos.V1.RingAbort { Reason = "x", FailedPeerRank = 0 } };
        var frame = RingFrame.Method.RequestMarshaller.Deserializer(message.ToByteArray());
        Assert.True(frame.Payload!.Memory.Span.SequenceEqual(payload));
        Assert.Equal(ByteString.Empty, frame.Header.Payload);
        Assert.Equal(77, frame.Header.Collective);
        Assert.True(frame.Header.Abort.HasFailedPeerRank);
        frame.Payload.Dispose();
    }

    [Fact]
    public void Deserialize_NoPayload_HasNone()
    {
        var frame = RingFrame.Method.RequestMarshaller.Deserializer(new WireSegment { JobId = "j" }.ToByteArray());
        Assert.Null(frame.Payload);
        Assert.Equal("j", frame.Header.JobId);
    }

    [Fact]
    public void Deserialize_TruncatedMessage_Throws()
    {
        var bytes = new WireSegment { JobId = "j", Payload = ByteString.CopyFrom(new byte[50]) }.ToByteArray();
        Assert.Throws<InvalidDataException>(() => RingFrame.Method.RequestMarshaller.Deserializer(bytes[..^10]));
    }
}
