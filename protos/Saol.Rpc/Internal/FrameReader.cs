using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Saol.Rpc.Internal;

/// <summary>
/// Reads length-prefixed gRPC messages from a pipe and deserializes them in place (the payload
/// is handed to the deserializer as a sequence over the pipe's buffers, without a copy).
/// Every malformed input ends in an <see cref="RpcException"/> with the status the spec names.
/// </summary>
internal sealed class FrameReader
{
    private readonly PipeReader _reader;
    private readonly int? _maxMessageSize;
    private readonly string? _encoding;
    private readonly Payload _payload = new();

    /// <param name="reader">The body to read.</param>
    /// <param name="maxMessageSize">Larger messages are refused with RESOURCE_EXHAUSTED; null = no limit.</param>
    /// <param name="encoding">The peer's <c>grpc-encoding</c> header, for the error a compressed frame gets.</param>
    public FrameReader(PipeReader reader, int? maxMessageSize, string? encoding)
    {
        _reader = reader;
        _maxMessageSize = maxMessageSize;
        _encoding = encoding;
    }

    /// <summary>The next message, or null at a clean end of the stream.</summary>
    public async ValueTask<T?> ReadAsync<T>(Func<DeserializationContext, T> deserializer, CancellationToken cancellationToken)
        where T : class
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (TryReadFrame(ref buffer, _maxMessageSize, _encoding, out var payload))
                {
                    // Only what this frame used is consumed and examined: the rest may hold the next frame already.
                    consumed = examined = buffer.Start;
                    return Deserialize(deserializer, payload);
                }
                if (result.IsCompleted)
                {
                    if (buffer.IsEmpty)
                    {
                        return null;
                    }
                    throw new RpcException(new Status(StatusCode.Internal, buffer.Length < GrpcProtocol.FrameHeaderSize
                        ? "Incomplete message: the stream ended inside a frame header."
                        : "Incomplete message: the stream ended before the whole message arrived."));
                }
            }
            finally
            {
                _reader.AdvanceTo(consumed, examined);
            }
        }
    }

    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/>. False when more bytes are
    /// needed (the buffer is left as it was); throws <see cref="RpcException"/> on a bad header.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int? maxMessageSize, string? encoding, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < GrpcProtocol.FrameHeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        buffer.Slice(0, GrpcProtocol.FrameHeaderSize).CopyTo(header);
        switch (header[0])
        {
            case 0:
                break;
            case 1 when encoding is not null && !string.Equals(encoding, GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase):
                throw new RpcException(new Status(StatusCode.Unimplemented, $"Message compression '{encoding}' is not supported (grpc-accept-encoding: identity)."));
            case 1:
                throw new RpcException(new Status(StatusCode.Internal, "A compressed message arrived but no compression was negotiated (grpc-encoding is absent or identity)."));
            default:
                throw new RpcException(new Status(StatusCode.Internal, $"Malformed frame: compressed flag {header[0]} is neither 0 nor 1."));
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)(maxMessageSize ?? int.MaxValue))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message exceeds the maximum configured message size ({length} > {maxMessageSize ?? int.MaxValue} bytes)."));
        }
        if (buffer.Length - GrpcProtocol.FrameHeaderSize < length)
        {
            return false;
        }
        payload = buffer.Slice(GrpcProtocol.FrameHeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    private T Deserialize<T>(Func<DeserializationContext, T> deserializer, ReadOnlySequence<byte> payload)
    {
        _payload.Sequence = payload;
        try
        {
            return deserializer(_payload);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize the message: " + ex.Message, ex));
        }
        finally
        {
            _payload.Sequence = default;
        }
    }

    private sealed class Payload : DeserializationContext
    {
        public ReadOnlySequence<byte> Sequence { get; set; }

        public override int PayloadLength => checked((int)Sequence.Length);

        public override byte[] PayloadAsNewBuffer()
        {
            // Every byte is overwritten by the copy, so skip the zeroing a large array would cost.
            var copy = GC.AllocateUninitializedArray<byte>(PayloadLength);
            Sequence.CopyTo(copy);
            return copy;
        }

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => Sequence;
    }
}
