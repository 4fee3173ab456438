using System.Buffers.Binary;
using Saol.Rpc.Internal;

namespace Saol.Rpc.Http2;

/// <summary>
/// Serves one client-streaming call of a <see cref="StreamingServer"/>: the handler pulls the
/// request messages with blocking reads straight from the connection (a large read lands in the
/// caller's memory with no copy in between) and returns the response message.
/// </summary>
/// <remarks>
/// The reads belong to the handler's thread. <see cref="Abort"/> may be called from any thread:
/// it ends the call at once with an error status, and a read blocked meanwhile fails with it as soon
/// as the client answers the PING sent with the status (or the connection closes).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The token source has no timer; handlers may read CancellationToken after the call ends, so it is never disposed.")]
public sealed class StreamingServerCall
{
    private readonly ServerConnection _connection;
    private readonly CancellationTokenSource _cancelled = new();
    private readonly Lock _lock = new();
    private int _messageRemaining = -1;
    private bool _completed;
    private Status? _failure;

    internal StreamingServerCall(ServerConnection connection, int streamId, string method, Metadata requestHeaders, string peer)
    {
        _connection = connection;
        StreamId = streamId;
        Method = method;
        RequestHeaders = requestHeaders;
        Peer = peer;
    }

    /// <summary>The full method name (<c>/package.Service/Method</c>).</summary>
    public string Method { get; }

    /// <summary>The client's metadata (custom headers; the transport's own headers removed).</summary>
    public Metadata RequestHeaders { get; }

    /// <summary>The client's address.</summary>
    public string Peer { get; }

    /// <summary>Fires when the call ends for any reason: completed, aborted, reset by the client, deadline, or the connection lost.</summary>
    public CancellationToken CancellationToken => _cancelled.Token;

    /// <summary>Bytes of the current message not read yet.</summary>
    public int MessageRemaining => Math.Max(_messageRemaining, 0);

    internal int StreamId { get; }

    // Receive-side state, touched only by the connection's reading thread.
    internal int FrameRemaining;
    internal int PaddingRemaining;
    internal bool EndAfterFrame;
    internal bool RemoteEnded;
    internal long StreamUnacknowledged;
    internal long ReceiveWindow;

    internal bool IsCompleted
    {
        get
        {
            lock (_lock)
            {
                return _completed;
            }
        }
    }

    /// <summary>
    /// Starts the next request message: false when the client has ended its stream (at a message boundary).
    /// </summary>
    /// <exception cref="RpcException">The stream broke, the client cancelled, the message is malformed or too large, or the call was aborted.</exception>
    public bool ReadMessageStart(out int length)
    {
        if (_messageRemaining > 0)
        {
            throw new InvalidOperationException($"{_messageRemaining} bytes of the current message are still unread.");
        }
        Span<byte> prefix = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        var got = _connection.ReadData(this, prefix);
        if (got == 0)
        {
            length = 0;
            return false;
        }
        while (got < prefix.Length)
        {
            var n = _connection.ReadData(this, prefix[got..]);
            if (n == 0)
            {
                throw Fail(new Status(StatusCode.Internal, $"the request stream ended inside a message prefix ({got} of 5 bytes)"));
            }
            got += n;
        }
        if (prefix[0] != 0)
        {
            throw Fail(prefix[0] == 1
                ? new Status(StatusCode.Internal, "a compressed message arrived but this server negotiated no grpc-encoding")
                : new Status(StatusCode.Internal, $"invalid message compression flag {prefix[0]}"));
        }
        var size = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
        if (size > (uint)_connection.MaxReceiveMessageSize)
        {
            throw Fail(new Status(StatusCode.ResourceExhausted, $"received message of {size} bytes exceeds the limit of {_connection.MaxReceiveMessageSize} bytes"));
        }
        length = (int)size;
        _messageRemaining = length;
        return true;
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes of the current message.</summary>
    /// <exception cref="RpcException">As for <see cref="ReadMessageStart"/>; also when the message ends first.</exception>
    public void ReadMessage(Span<byte> destination)
    {
        if (destination.Length > MessageRemaining)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), destination.Length, $"only {MessageRemaining} bytes of the message remain");
        }
        while (!destination.IsEmpty)
        {
            var n = _connection.ReadData(this, destination);
            if (n == 0)
            {
                throw Fail(new Status(StatusCode.Internal, $"the request stream ended {_messageRemaining} bytes before the end of a message"));
            }
            _messageRemaining -= n;
            destination = destination[n..];
        }
    }

    /// <summary>Reads and discards the rest of the current message.</summary>
    public void SkipMessage()
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (MessageRemaining > 0)
        {
            ReadMessage(scratch[..Math.Min(scratch.Length, MessageRemaining)]);
        }
    }

    /// <summary>
    /// Ends the call now with <paramref name="status"/> (not OK) and <paramref name="trailers"/>;
    /// callable from any thread; false when the call had already ended.
    /// </summary>
    public bool Abort(Status status, Metadata? trailers = null)
    {
        if (status.StatusCode == StatusCode.OK)
        {
            throw new ArgumentException("an aborted call needs an error status", nameof(status));
        }
        return Complete(status, default, trailers);
    }

    /// <summary>
    /// Ends the call (CANCELLED, unless it had already ended) and closes the connection it arrived
    /// on: a read blocked in this call fails at once, and the client sees its connection drop.
    /// For a peer that stopped in the middle of a message; callable from any thread.
    /// </summary>
    public void CloseConnection()
    {
        Break(new Status(StatusCode.Cancelled, "the server closed the connection"));
        _connection.CloseAbruptly();
    }

    /// <summary>Sends the response (OK with <paramref name="response"/>) or an error status; the first completion wins.</summary>
    internal bool Complete(Status status, ReadOnlySpan<byte> response, Metadata? trailers)
    {
        lock (_lock)
        {
            if (_completed)
            {
                return false;
            }
            _completed = true;
            _failure ??= status.StatusCode == StatusCode.OK ? null : status;
        }
        _connection.SendResponse(this, status, response, trailers);
        _cancelled.Cancel();
        return true;
    }

    /// <summary>The call broke underneath (client reset, connection lost): later reads throw with <paramref name="status"/>.</summary>
    internal void Break(Status status)
    {
        lock (_lock)
        {
            _failure ??= status;
            _completed = true;
        }
        _cancelled.Cancel();
    }

    /// <summary>The status later reads fail with, once the call has ended.</summary>
    internal Status? Failure
    {
        get
        {
            lock (_lock)
            {
                return _completed ? _failure ?? new Status(StatusCode.Cancelled, "the call has already completed") : null;
            }
        }
    }

    private RpcException Fail(Status status)
    {
        Complete(status, default, null);
        return new RpcException(Failure ?? status);
    }
}
