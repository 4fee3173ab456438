using Google.Protobuf;
using Saol.Collective.Internal.Links;
using Saol.Protos.V1;
using Saol.Rpc.Http2;
using RingSegment = Saol.Protos.V1.RingSegment;

namespace Saol.Collective.Internal.Peer;

/// <summary>
/// A WorkerPeer.RingLink message on the wire, without copies of the payload: written as the
/// <see cref="RingSegment"/> fields followed by the payload field (protobuf lets fields come in any
/// order, and field 11 is written last), read field by field with the payload landing straight in a
/// pooled buffer. The bytes are exactly a <see cref="RingSegment"/>, so generated clients and servers
/// of the .proto interoperate.
/// </summary>
internal static class RingWire
{
    /// <summary>The full method name of WorkerPeer.RingLink.</summary>
    public static string Method { get; } = $"/{WorkerPeer.Descriptor.FullName}/{WorkerPeer.Descriptor.FindMethodByName("RingLink").Name}";

    // Everything but the payload is a few dozen bytes; more than this is not a ring segment.
    private const int MaxHeaderBytes = 64 * 1024;
    private const int PayloadField = RingSegment.PayloadFieldNumber;
    private const int LengthDelimited = 2;

    /// <summary>The message's leading bytes: every field of <paramref name="header"/> (whose payload is empty), then the payload's tag and length.</summary>
    public static byte[] Head(RingSegment header, int payloadLength)
    {
        var headerSize = header.CalculateSize();
        var size = headerSize + (payloadLength == 0 ? 0 : CodedOutputStream.ComputeTagSize(PayloadField) + CodedOutputStream.ComputeLengthSize(payloadLength));
        var head = new byte[size];
        var output = new CodedOutputStream(head);
        header.WriteTo(output);
        if (payloadLength > 0)
        {
            output.WriteTag(PayloadField, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            output.WriteLength(payloadLength);
        }
        output.CheckNoSpaceLeft();
        return head;
    }

    /// <summary>
    /// Reads one message of <paramref name="length"/> bytes from <paramref name="call"/>: the small
    /// fields parsed by the generated code, the payload (the last one, as protobuf's last-one-wins) in
    /// a pooled buffer, or null when there is none.
    /// </summary>
    /// <param name="call">The call to read from.</param>
    /// <param name="length">The message's length.</param>
    /// <param name="landing">Given the fields that came before the payload and its size, where to
    /// write the payload instead of a pooled buffer (a <see cref="LandedPayload"/> is returned), or null.</param>
    /// <exception cref="InvalidDataException">The bytes are not a RingSegment.</exception>
    public static (RingSegment Header, SegmentPayload? Payload) Read(StreamingServerCall call, int length, Func<RingSegment, int, LandedPayload?>? landing = null)
    {
        var rest = new List<byte>(64);
        SegmentPayload? payload = null;
        try
        {
            var remaining = length;
            Span<byte> fixedBytes = stackalloc byte[8];
            while (remaining > 0)
            {
                var fieldStart = rest.Count;
                var tag = ReadVarint(call, ref remaining, rest);
                var field = (int)(tag >> 3);
                switch ((int)(tag & 7))
                {
                    case 0:
                        ReadVarint(call, ref remaining, rest);
                        break;
                    case 1:
                        Copy(call, ref remaining, rest, fixedBytes);
                        break;
                    case 5:
                        Copy(call, ref remaining, rest, fixedBytes[..4]);
                        break;
                    case LengthDelimited:
                        var size = ReadVarint(call, ref remaining, rest);
                        if (size > (ulong)remaining)
                        {
                            throw new InvalidDataException($"RingSegment: field {field} of {size} bytes runs past the end of the {length}-byte message");
                        }
                        if (field == PayloadField)
                        {
                            rest.RemoveRange(fieldStart, rest.Count - fieldStart);
                            payload?.Dispose();
                            if (landing?.Invoke(Parse(rest), (int)size) is { } landed)
                            {
                                // Owned before the read starts: a read that fails still releases it.
                                payload = landed;
                                if (landed.Memory.Length != (int)size)
                                {
                                    throw new InvalidDataException($"RingSegment: a {size}-byte payload offered a {landed.Memory.Length}-byte destination");
                                }
                                call.ReadMessage(landed.Destination);
                            }
                            else
                            {
                                var pooled = new PooledPayload((int)size);
                                call.ReadMessage(pooled.Span);
                                payload = pooled;
                            }
                            remaining -= (int)size;
                        }
                        else
                        {
                            if (rest.Count + (int)size > MaxHeaderBytes)
                            {
                                throw new InvalidDataException($"RingSegment: more than {MaxHeaderBytes} bytes of fields besides the payload");
                            }
                            var bytes = new byte[(int)size];
                            call.ReadMessage(bytes);
                            remaining -= bytes.Length;
                            rest.AddRange(bytes);
                        }
                        break;
                    default:
                        throw new InvalidDataException($"RingSegment: unsupported wire type in tag {tag}");
                }
            }
            return (Parse(rest), payload);
        }
        catch
        {
            payload?.Dispose();
            throw;
        }
    }

    private static RingSegment Parse(List<byte> fields)
    {
        try
        {
            return RingSegment.Parser.ParseFrom(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(fields));
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"RingSegment: {ex.Message}", ex);
        }
    }

    private static void Copy(StreamingServerCall call, ref int remaining, List<byte> rest, Span<byte> buffer)
    {
        if (buffer.Length > remaining)
        {
            throw new InvalidDataException("RingSegment: a field runs past the end of the message");
        }
        call.ReadMessage(buffer);
        remaining -= buffer.Length;
        foreach (var b in buffer)
        {
            rest.Add(b);
        }
    }

    private static ulong ReadVarint(StreamingServerCall call, ref int remaining, List<byte> rest)
    {
        Span<byte> one = stackalloc byte[1];
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (remaining == 0)
            {
                throw new InvalidDataException("RingSegment: truncated varint");
            }
            call.ReadMessage(one);
            remaining--;
            rest.Add(one[0]);
            value |= (ulong)(one[0] & 0x7F) << shift;
            if (one[0] < 0x80)
            {
                return value;
            }
        }
        throw new InvalidDataException("RingSegment: malformed varint");
    }
}
