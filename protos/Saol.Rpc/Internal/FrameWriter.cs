using System.Buffers;
using System.Buffers.Binary;

namespace Saol.Rpc.Internal;

/// <summary>
/// Writes length-prefixed gRPC messages into a buffer writer (the HTTP/2 body pipe or a pooled
/// buffer). A serializer that announces its length writes straight after the five-byte header,
/// so a message is copied once, into the transport's buffer. One instance per call direction,
/// used by one writer at a time (gRPC allows one outstanding write).
/// </summary>
internal sealed class FrameWriter : SerializationContext, IDisposable
{
    private readonly int? _maxMessageSize;
    private IBufferWriter<byte> _output;
    private PooledBufferWriter? _scratch;
    private State _state;
    private int _declaredLength;
    private long _unflushedBefore;

    public FrameWriter(IBufferWriter<byte> output, int? maxMessageSize)
    {
        _output = output;
        _maxMessageSize = maxMessageSize;
    }

    private enum State
    {
        Idle,
        Direct,
        Buffered,
        Done,
    }

    /// <summary>Redirects later writes (the request body stream only exists once HttpClient asks for it).</summary>
    public void SetOutput(IBufferWriter<byte> output) => _output = output;

    /// <summary>Frames one message into the output; throws RESOURCE_EXHAUSTED (nothing written) when it is too large.</summary>
    public void Write<T>(Action<T, SerializationContext> serializer, T message)
    {
        _state = State.Idle;
        try
        {
            serializer(message, this);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to serialize the message.", ex));
        }
        if (_state != State.Done)
        {
            throw new RpcException(new Status(StatusCode.Internal, "The serializer did not complete the message."));
        }
    }

    public override void SetPayloadLength(int payloadLength)
    {
        CheckSize(payloadLength);
        WriteHeader(_output, payloadLength);
        _declaredLength = payloadLength;
        _unflushedBefore = UnflushedBytes();
        _state = State.Direct;
    }

    public override IBufferWriter<byte> GetBufferWriter()
    {
        if (_state == State.Direct)
        {
            return _output;
        }
        _state = State.Buffered;
        _scratch ??= new PooledBufferWriter(4096);
        _scratch.Reset();
        return _scratch;
    }

    public override void Complete()
    {
        switch (_state)
        {
            case State.Direct:
                var unflushed = UnflushedBytes();
                if (unflushed >= 0 && unflushed - _unflushedBefore != _declaredLength)
                {
                    throw new RpcException(new Status(StatusCode.Internal, $"The serializer announced {_declaredLength} bytes but wrote {unflushed - _unflushedBefore}."));
                }
                break;
            case State.Buffered:
                WritePayload(_scratch!.WrittenSpan);
                break;
            default:
                throw new InvalidOperationException("Complete() without GetBufferWriter().");
        }
        _state = State.Done;
    }

    public override void Complete(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        WritePayload(payload);
        _state = State.Done;
    }

    public void Dispose() => _scratch?.Dispose();

    private void WritePayload(ReadOnlySpan<byte> payload)
    {
        CheckSize(payload.Length);
        WriteHeader(_output, payload.Length);
        _output.Write(payload);
    }

    private void CheckSize(int length)
    {
        if (length > _maxMessageSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Sending message exceeds the maximum configured message size ({length} > {_maxMessageSize} bytes)."));
        }
    }

    private long UnflushedBytes() => _output switch
    {
        System.IO.Pipelines.PipeWriter { CanGetUnflushedBytes: true } pipe => pipe.UnflushedBytes,
        PooledBufferWriter pooled => pooled.WrittenCount,
        _ => -1,
    };

    private static void WriteHeader(IBufferWriter<byte> output, int length)
    {
        var header = output.GetSpan(GrpcProtocol.FrameHeaderSize);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)length);
        output.Advance(GrpcProtocol.FrameHeaderSize);
    }
}
