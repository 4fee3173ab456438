using System.Buffers;
using Google.Protobuf;
using Saol.Collective.Internal.Links;
using RingSegment = Saol.Protos.V1.RingSegment;
using Saol.Protos.V1;
using Saol.Rpc;

namespace Saol.Collective.Internal.Peer;

/// <summary>
/// A WorkerPeer.RingLink message as the ring handles it: the <see cref="RingSegment"/> fields
/// without the payload, and the payload in a pooled buffer.
/// </summary>
/// <remarks>
/// The bytes on the wire are exactly a <see cref="RingSegment"/> (protobuf lets fields come in any
/// order, and the payload is field 11 written last), so generated clients and servers of the
/// .proto interoperate. What this saves: the generated parser allocates a fresh array for every
/// payload — megabyte arrays on the large-object heap, a full GC every few of them — where this
/// copies the payload once into a rented buffer that goes back to the pool after the reduction.
/// </remarks>
internal sealed class RingFrame(RingSegment header, SegmentPayload? payload)
{
    private const int PayloadField = RingSegment.PayloadFieldNumber;
    private const int LengthDelimited = 2;

    /// <summary>WorkerPeer.RingLink with this type's marshaller (same path and wire format as the generated method).</summary>
    public static Method<RingFrame, RingLinkSummary> Method { get; } = new(
        MethodType.ClientStreaming,
        WorkerPeer.Descriptor.FullName,
        WorkerPeer.Descriptor.FindMethodByName("RingLink").Name,
        Marshallers.Create<RingFrame>(Serialize, Deserialize),
        Marshallers.Create<RingLinkSummary>(
            (summary, context) =>
            {
                context.SetPayloadLength(summary.CalculateSize());
                summary.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => RingLinkSummary.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    /// <summary>Every field but the payload (which must be empty here).</summary>
    public RingSegment Header { get; } = header;

    /// <summary>The payload, owned by whoever holds the frame; null for none.</summary>
    public SegmentPayload? Payload { get; } = payload;

    private static void Serialize(RingFrame frame, SerializationContext context)
    {
        var payload = frame.Payload is { } owned ? owned.Memory.Span : default;
        var headerSize = frame.Header.CalculateSize();
        var size = headerSize + (payload.IsEmpty ? 0 : CodedOutputStream.ComputeTagSize(PayloadField) + CodedOutputStream.ComputeLengthSize(payload.Length) + payload.Length);
        context.SetPayloadLength(size);
        var writer = context.GetBufferWriter();
        frame.Header.WriteTo(writer);
        if (!payload.IsEmpty)
        {
            Span<byte> prefix = stackalloc byte[16];
            var n = WriteVarint(prefix, WireFormatTag(PayloadField, LengthDelimited));
            n += WriteVarint(prefix[n..], (uint)payload.Length);
            writer.Write(prefix[..n]);
            writer.Write(payload);
        }
        context.Complete();
    }

    private static RingFrame Deserialize(DeserializationContext context)
    {
        var message = context.PayloadAsReadOnlySequence();
        // Find the (last, as protobuf's last-one-wins) payload field; everything else is parsed by the generated code.
        var reader = new SequenceReader<byte>(message);
        long payloadStart = -1, payloadLength = 0, payloadFieldStart = 0;
        while (!reader.End)
        {
            var fieldStart = reader.Consumed;
            var tag = ReadVarint(ref reader);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    ReadVarint(ref reader);
                    break;
                case 1:
                    Skip(ref reader, 8);
                    break;
                case LengthDelimited:
                    var length = (long)ReadVarint(ref reader);
                    if (field == PayloadField)
                    {
                        payloadFieldStart = fieldStart;
                        payloadStart = reader.Consumed;
                        payloadLength = length;
                    }
                    Skip(ref reader, length);
                    break;
                case 5:
                    Skip(ref reader, 4);
                    break;
                default:
                    throw new InvalidDataException($"RingSegment: unsupported wire type in tag {tag}");
            }
        }
        if (payloadStart < 0)
        {
            return new RingFrame(RingSegment.Parser.ParseFrom(message), null);
        }
        var rest = new byte[payloadFieldStart + (message.Length - payloadStart - payloadLength)];
        message.Slice(0, payloadFieldStart).CopyTo(rest);
        message.Slice(payloadStart + payloadLength).CopyTo(rest.AsSpan((int)payloadFieldStart));
        var payload = new PooledPayload(checked((int)payloadLength));
        message.Slice(payloadStart, payloadLength).CopyTo(payload.Span);
        return new RingFrame(RingSegment.Parser.ParseFrom(rest), payload);
    }

    private static uint WireFormatTag(int field, int wireType) => ((uint)field << 3) | (uint)wireType;

    private static int WriteVarint(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    private static ulong ReadVarint(ref SequenceReader<byte> reader)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b))
            {
                throw new InvalidDataException("RingSegment: truncated varint");
            }
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
        throw new InvalidDataException("RingSegment: malformed varint");
    }

    private static void Skip(ref SequenceReader<byte> reader, long count)
    {
        if (count < 0 || reader.Remaining < count)
        {
            throw new InvalidDataException("RingSegment: a field runs past the end of the message");
        }
        reader.Advance(count);
    }
}
