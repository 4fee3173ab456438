using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Saol.Rpc.Http2.Hpack;
using Saol.Rpc.Internal;

namespace Saol.Rpc.Http2;

/// <summary>
/// One accepted h2c connection of a <see cref="StreamingServer"/>, read by its own thread. The
/// connection serves one call at a time (SETTINGS_MAX_CONCURRENT_STREAMS = 1): the handler of the
/// open call reads its DATA frames through <see cref="ReadData"/>, which deals with every other
/// frame on the way.
/// </summary>
internal sealed class ServerConnection
{
    private readonly Http2Socket _socket;
    private readonly StreamingServerOptions _options;
    private readonly IReadOnlyDictionary<string, StreamingHandler> _handlers;
    private readonly ILogger _logger;
    // Decodes as much as SETTINGS_MAX_HEADER_LIST_SIZE promises.
    private readonly HpackDecoder _decoder = new(maxHeaderListSize: Http2Frames.MaxHeaderBlockSize);
    private readonly SendWindow _sendWindow = new();
    private readonly byte[]? _expectedAuthorization;
    private readonly PeerSettings _peer = new();
    private long _connectionUnacknowledged;
    // What the client may still send before the next WINDOW_UPDATE: advertised, less received, plus credited.
    private long _connectionReceiveWindow;
    private int _lastStreamId;
    private StreamingServerCall? _reading;
    private volatile bool _broken;

    public ServerConnection(Http2Socket socket, StreamingServerOptions options, IReadOnlyDictionary<string, StreamingHandler> handlers, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _handlers = handlers;
        _logger = logger;
        _expectedAuthorization = options.BearerToken is null ? null : Encoding.UTF8.GetBytes("Bearer " + options.BearerToken);
        _connectionReceiveWindow = Math.Max(options.ConnectionWindowSize, Http2Protocol.DefaultWindowSize);
    }

    public int MaxReceiveMessageSize => _options.MaxReceiveMessageSize;

    /// <summary>The connection's thread: handshake, then frames until the client leaves or breaks the protocol.</summary>
    public void Run()
    {
        try
        {
            Span<byte> preface = stackalloc byte[Http2Protocol.ClientPreface.Length];
            _socket.ReadExactly(preface);
            if (!preface.SequenceEqual(Http2Protocol.ClientPreface))
            {
                throw new Http2Exception(Http2ErrorCode.ProtocolError, "the connection did not start with the HTTP/2 client preface (this port serves h2c gRPC only)");
            }
            Http2Frames.WriteSettings(_socket,
            [
                (SettingId.MaxConcurrentStreams, 1),
                (SettingId.InitialWindowSize, (uint)_options.InitialStreamWindowSize),
                (SettingId.MaxFrameSize, (uint)_options.MaxFrameSize),
                (SettingId.MaxHeaderListSize, (uint)Http2Frames.MaxHeaderBlockSize),
            ]);
            if (_options.ConnectionWindowSize > Http2Protocol.DefaultWindowSize)
            {
                Http2Frames.WriteWindowUpdate(_socket, 0, _options.ConnectionWindowSize - Http2Protocol.DefaultWindowSize);
            }
            var first = _socket.ReadFrameHeader();
            if (first.Type != FrameType.Settings || first.Has(FrameFlags.Ack))
            {
                throw new Http2Exception(Http2ErrorCode.ProtocolError, $"the client preface must be followed by SETTINGS, got {first}");
            }
            Process(first);
            while (!_broken)
            {
                Process(_socket.ReadFrameHeader());
            }
        }
        catch (Http2Exception ex)
        {
            Break(ex);
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            Lost(ex);
        }
        finally
        {
            _socket.Close();
        }
    }

    /// <summary>Ends the connection from outside (server shutdown).</summary>
    public void Close()
    {
        Http2Frames.TryWriteGoAway(_socket, _lastStreamId, Http2ErrorCode.NoError, "server shutting down", unlessBusy: true);
        _socket.Close();
    }

    /// <summary>Closes the socket without a goodbye: blocked reads and writes fail at once.</summary>
    public void CloseAbruptly() => _socket.Close();

    /// <summary>
    /// Reads up to <paramref name="destination"/>.Length bytes of <paramref name="call"/>'s request
    /// body, processing the frames in between; 0 when the client has ended its stream.
    /// </summary>
    public int ReadData(StreamingServerCall call, Span<byte> destination)
    {
        try
        {
            while (true)
            {
                if (call.Failure is { } failure)
                {
                    throw new RpcException(failure);
                }
                if (call.FrameRemaining > 0)
                {
                    var n = Math.Min(call.FrameRemaining, destination.Length);
                    _socket.ReadExactly(destination[..n]);
                    call.FrameRemaining -= n;
                    Consumed(call, n);
                    if (call.FrameRemaining == 0)
                    {
                        FinishFrame(call);
                    }
                    return n;
                }
                if (call.RemoteEnded)
                {
                    return 0;
                }
                Process(_socket.ReadFrameHeader());
            }
        }
        catch (Http2Exception ex)
        {
            Break(ex);
            // A call that had already ended (aborted, deadline) keeps the reason it ended with.
            throw new RpcException(call.Failure ?? new Status(StatusCode.Internal, $"HTTP/2 protocol error from {_socket.Remote}: {ex.Message}"));
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            Lost(ex);
            throw new RpcException(call.Failure ?? new Status(StatusCode.Unavailable, $"the connection from {_socket.Remote} broke: {ex.Message}"));
        }
    }

    /// <summary>Writes the call's response: HEADERS, DATA and trailers for OK; a trailers-only response otherwise.</summary>
    public void SendResponse(StreamingServerCall call, Status status, ReadOnlySpan<byte> response, Metadata? trailers)
    {
        if (_broken)
        {
            return;
        }
        try
        {
            var id = call.StreamId;
            var messageSize = GrpcProtocol.FrameHeaderSize + response.Length;
            if (status.StatusCode == StatusCode.OK && (messageSize > _peer.MaxFrameSize || !_sendWindow.TryTake(messageSize)))
            {
                status = new Status(StatusCode.ResourceExhausted, $"the {response.Length}-byte response does not fit the client's frame size or flow-control window");
            }
            if (status.StatusCode == StatusCode.OK)
            {
                var message = new byte[messageSize];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(1), (uint)response.Length);
                response.CopyTo(message.AsSpan(GrpcProtocol.FrameHeaderSize));
                Http2Frames.WriteHeaderBlock(_socket, id, endStream: false, ResponseHeaders(), _peer.MaxFrameSize);
                _socket.WriteFrame(new FrameHeader(message.Length, FrameType.Data, FrameFlags.None, id), message);
                Http2Frames.WriteHeaderBlock(_socket, id, endStream: true, Trailers(status, trailers, trailersOnly: false), _peer.MaxFrameSize);
            }
            else
            {
                Http2Frames.WriteHeaderBlock(_socket, id, endStream: true, Trailers(status, trailers, trailersOnly: true), _peer.MaxFrameSize);
                RpcLog.CallRefused(_logger, call.Method, status.StatusCode, status.Detail);
            }
            if (!call.RemoteEnded)
            {
                // The response is complete while the client still sends: ask it to stop (RFC 9113 §8.1).
                Http2Frames.WriteRstStream(_socket, id, Http2ErrorCode.NoError);
                // A call ended from another thread (Abort, the deadline) may have its handler
                // blocked in a read of a client that now sends nothing: the PING's answer wakes it.
                Http2Frames.WritePing(_socket);
            }
            RpcLog.CallFinished(_logger, call.Method, status.StatusCode);
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            // The client is gone; nobody is left to tell.
        }
    }

    private static List<byte> ResponseHeaders()
    {
        var block = new List<byte>(64);
        HpackEncoder.WriteIndexed(8, block); // :status 200
        HpackEncoder.WriteLiteral("content-type", GrpcProtocol.ContentType, block);
        return block;
    }

    private static List<byte> Trailers(Status status, Metadata? trailers, bool trailersOnly)
    {
        var block = new List<byte>(128);
        if (trailersOnly)
        {
            HpackEncoder.WriteIndexed(8, block);
            HpackEncoder.WriteLiteral("content-type", GrpcProtocol.ContentType, block);
        }
        HpackEncoder.WriteLiteral(GrpcProtocol.StatusHeader, ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), block);
        if (status.Detail.Length > 0)
        {
            HpackEncoder.WriteLiteral(GrpcProtocol.MessageHeader, GrpcProtocol.PercentEncode(status.Detail), block);
        }
        foreach (var entry in trailers ?? Metadata.Empty)
        {
            HpackEncoder.WriteLiteral(entry.Key, GrpcProtocol.EncodeHeaderValue(entry), block);
        }
        return block;
    }

    // One frame, read on the connection's thread.
    private void Process(FrameHeader header)
    {
        if (header.Type != FrameType.Settings || !header.Has(FrameFlags.Ack))
        {
            Http2Frames.CheckLength(header, header.Type == FrameType.Data ? _options.MaxFrameSize : Math.Max(_options.MaxFrameSize, Http2Protocol.DefaultMaxFrameSize));
        }
        switch (header.Type)
        {
            case FrameType.Data:
                OnData(header);
                break;
            case FrameType.Headers:
                OnHeaders(header);
                break;
            case FrameType.Priority:
                if (header.StreamId == 0 || header.Length != 5)
                {
                    throw new Http2Exception(header.StreamId == 0 ? Http2ErrorCode.ProtocolError : Http2ErrorCode.FrameSizeError, $"malformed PRIORITY: {header}");
                }
                Http2Frames.Ignore(_socket, header);
                break;
            case FrameType.RstStream:
                var code = Http2Frames.ReadRstStream(_socket, header);
                if (header.StreamId > _lastStreamId)
                {
                    throw new Http2Exception(Http2ErrorCode.ProtocolError, $"RST_STREAM on idle stream {header.StreamId}");
                }
                if (_reading is { } call && call.StreamId == header.StreamId)
                {
                    call.RemoteEnded = true;
                    call.Break(new Status(StatusCode.Cancelled, $"the client reset the stream ({code})"));
                    RpcLog.CallCancelledByClient(_logger, call.Method);
                }
                break;
            case FrameType.Settings:
                Http2Frames.ApplySettings(_socket, header, _peer, _sendWindow, _reading?.StreamId ?? 0);
                break;
            case FrameType.Ping:
                Http2Frames.HandlePing(_socket, header);
                break;
            case FrameType.GoAway:
                Http2Frames.ReadGoAway(_socket, header);
                break;
            case FrameType.WindowUpdate:
                var increment = Http2Frames.ReadWindowUpdate(_socket, header);
                if (header.StreamId == 0)
                {
                    _sendWindow.AddConnection(increment);
                }
                else if (_reading is { } open && open.StreamId == header.StreamId)
                {
                    _sendWindow.AddStream(increment, header.StreamId);
                }
                break;
            case FrameType.Continuation:
                throw new Http2Exception(Http2ErrorCode.ProtocolError, $"CONTINUATION without HEADERS: {header}");
            case FrameType.PushPromise:
                throw new Http2Exception(Http2ErrorCode.ProtocolError, "a client sent PUSH_PROMISE");
            default:
                // Unknown frame types are ignored (RFC 9113 §4.1).
                Http2Frames.Ignore(_socket, header);
                break;
        }
    }

    private void OnData(FrameHeader header)
    {
        if (header.StreamId == 0)
        {
            throw new Http2Exception(Http2ErrorCode.ProtocolError, "DATA frame on stream 0");
        }
        if (header.StreamId > _lastStreamId)
        {
            throw new Http2Exception(Http2ErrorCode.ProtocolError, $"DATA frame on idle stream {header.StreamId}");
        }
        // Flow control counts the whole frame, padding included (RFC 9113 §6.9.1).
        _connectionReceiveWindow -= header.Length;
        if (_connectionReceiveWindow < 0)
        {
            throw new Http2Exception(Http2ErrorCode.FlowControlError, $"{header} overruns the connection's receive window by {-_connectionReceiveWindow} bytes");
        }
        if (_reading is { } receiving && receiving.StreamId == header.StreamId && !receiving.RemoteEnded)
        {
            receiving.ReceiveWindow -= header.Length;
            if (receiving.ReceiveWindow < 0)
            {
                throw new Http2Exception(Http2ErrorCode.FlowControlError, $"{header} overruns the stream's receive window by {-receiving.ReceiveWindow} bytes");
            }
        }
        var padding = 0;
        var length = header.Length;
        if (header.Has(FrameFlags.Padded))
        {
            if (length < 1)
            {
                throw new Http2Exception(Http2ErrorCode.FrameSizeError, $"padded {header} has no pad length");
            }
            Span<byte> pad = stackalloc byte[1];
            _socket.ReadExactly(pad);
            padding = pad[0];
            length--;
            if (padding > length)
            {
                throw new Http2Exception(Http2ErrorCode.ProtocolError, $"{header}: padding of {padding} bytes exceeds the frame");
            }
            length -= padding;
        }
        if (_reading is not { } call || call.StreamId != header.StreamId || call.RemoteEnded || call.IsCompleted)
        {
            // A stream this end has finished with (its response went out, or it was reset): the
            // client may still have frames in flight. Drop them but keep the connection window open.
            _socket.Skip(length + padding);
            CreditConnection(header.Length);
            if (_reading is { } current && current.StreamId == header.StreamId && header.Has(FrameFlags.EndStream))
            {
                current.RemoteEnded = true;
            }
            return;
        }
        Consumed(call, header.Length - length);
        call.FrameRemaining = length;
        call.PaddingRemaining = padding;
        call.EndAfterFrame = header.Has(FrameFlags.EndStream);
        if (length == 0)
        {
            FinishFrame(call);
        }
    }

    private void FinishFrame(StreamingServerCall call)
    {
        if (call.PaddingRemaining > 0)
        {
            _socket.Skip(call.PaddingRemaining);
            call.PaddingRemaining = 0;
        }
        if (call.EndAfterFrame)
        {
            call.RemoteEnded = true;
        }
    }

    private void OnHeaders(FrameHeader header)
    {
        if (header.StreamId == 0)
        {
            throw new Http2Exception(Http2ErrorCode.ProtocolError, "HEADERS frame on stream 0");
        }
        var fields = Http2Frames.ReadHeaderBlock(_socket, header, _decoder, Math.Max(_options.MaxFrameSize, Http2Protocol.DefaultMaxFrameSize));
        if (_reading is { } open && open.StreamId == header.StreamId)
        {
            // Trailers from the client: they must end the stream; gRPC defines none, so they are dropped.
            if (!header.Has(FrameFlags.EndStream))
            {
                throw new Http2Exception(Http2ErrorCode.ProtocolError, $"second HEADERS without END_STREAM on stream {header.StreamId}");
            }
            open.RemoteEnded = true;
            return;
        }
        if (header.StreamId <= _lastStreamId || header.StreamId % 2 == 0)
        {
            throw new Http2Exception(Http2ErrorCode.ProtocolError, $"HEADERS opening stream {header.StreamId}, which is not a new client stream");
        }
        _lastStreamId = header.StreamId;
        if (_reading is not null)
        {
            // One call at a time, as SETTINGS_MAX_CONCURRENT_STREAMS said.
            Http2Frames.WriteRstStream(_socket, header.StreamId, Http2ErrorCode.RefusedStream);
            return;
        }
        Serve(header, fields);
    }

    // Runs the handler of a new stream on this thread; the connection goes on when it returns.
    private void Serve(FrameHeader header, List<KeyValuePair<string, string>> fields)
    {
        string? method = null, path = null, contentType = null, authorization = null, encoding = null, timeout = null;
        Status? malformed = null;
        var metadata = new Metadata();
        foreach (var (name, value) in fields)
        {
            switch (name)
            {
                case ":method": method = value; break;
                case ":path": path = value; break;
                case "content-type": contentType = value; break;
                case GrpcProtocol.AuthorizationHeader: authorization = value; break;
                case GrpcProtocol.EncodingHeader: encoding = value; break;
                case GrpcProtocol.TimeoutHeader: timeout = value; break;
                default:
                    if (!GrpcProtocol.IsReservedHeader(name) && name != GrpcProtocol.AuthorizationHeader)
                    {
                        try
                        {
                            GrpcProtocol.AddReceivedHeader(metadata, name, value);
                        }
                        catch (Exception ex) when (ex is ArgumentException or RpcException)
                        {
                            // HPACK carries any octets; Metadata takes only what gRPC allows.
                            malformed ??= new Status(StatusCode.Internal, $"request header '{name}' is not valid gRPC metadata: {ex.Message}");
                        }
                    }
                    break;
            }
        }
        var call = new StreamingServerCall(this, header.StreamId, path ?? "", metadata, _socket.Remote)
        {
            RemoteEnded = header.Has(FrameFlags.EndStream),
            ReceiveWindow = _options.InitialStreamWindowSize,
        };
        _sendWindow.ResetStream(_peer.InitialWindowSize);
        _reading = call;
        try
        {
            var refusal = method != "POST" ? new Status(StatusCode.Internal, $"gRPC needs POST, not {method}")
                : !GrpcProtocol.IsGrpcContentType(contentType) ? new Status(StatusCode.Internal, $"content-type '{contentType}' is not application/grpc")
                : malformed is { } bad ? bad
                : path is null || !_handlers.TryGetValue(path, out var handler) ? new Status(StatusCode.Unimplemented, $"method {path} is not served here")
                : !Authorized(authorization) ? new Status(StatusCode.Unauthenticated, "missing or wrong bearer token")
                : encoding is not null && encoding != GrpcProtocol.IdentityEncoding ? new Status(StatusCode.Unimplemented, $"grpc-encoding '{encoding}' is not supported (identity only)")
                : timeout is not null && !GrpcProtocol.TryParseTimeout(timeout, out _) ? new Status(StatusCode.Internal, $"malformed grpc-timeout '{timeout}'")
                : (Status?)null;
            if (refusal is { } status)
            {
                call.Complete(status, default, null);
                return;
            }
            using var deadline = timeout is not null && GrpcProtocol.TryParseTimeout(timeout, out var span)
                ? new Timer(_ => ExpireDeadline(call), null, span < GrpcProtocol.MaxTimerDelay ? span : GrpcProtocol.MaxTimerDelay, Timeout.InfiniteTimeSpan)
                : null;
            RunHandler(_handlers[path!], call);
        }
        finally
        {
            _reading = null;
            if (!_broken && (call.FrameRemaining > 0 || call.PaddingRemaining > 0))
            {
                // The handler stopped inside a DATA frame (it failed or was aborted): drop the rest.
                _socket.Skip(call.FrameRemaining + call.PaddingRemaining);
                CreditConnection(call.FrameRemaining + call.PaddingRemaining);
                call.FrameRemaining = call.PaddingRemaining = 0;
            }
        }
    }

    // A timer callback: nothing may escape it (it would end the process).
    private void ExpireDeadline(StreamingServerCall call)
    {
        try
        {
            call.Abort(new Status(StatusCode.DeadlineExceeded, "the call's deadline passed"));
        }
        catch (Exception ex)
        {
            StreamingLog.ConnectionFailed(_logger, ex);
        }
    }

    private void RunHandler(StreamingHandler handler, StreamingServerCall call)
    {
        try
        {
            var response = handler(call);
            call.Complete(Status.DefaultSuccess, response, null);
        }
        catch (RpcException ex)
        {
            call.Complete(ex.Status, default, ex.Trailers);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RpcLog.HandlerFailed(_logger, call.Method, ex);
            call.Complete(new Status(StatusCode.Unknown, _options.EnableDetailedErrors ? $"{ex.GetType().Name}: {ex.Message}" : "the handler failed", ex), default, null);
        }
    }

    private bool Authorized(string? authorization) =>
        _expectedAuthorization is null
        || (authorization is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization), _expectedAuthorization));

    // Flow control: bytes the handler took (or padding dropped) are credited back in batches.
    private void Consumed(StreamingServerCall call, int count)
    {
        if (count == 0)
        {
            return;
        }
        CreditConnection(count);
        call.StreamUnacknowledged += count;
        if (call.StreamUnacknowledged >= _options.InitialStreamWindowSize / 4 && !call.RemoteEnded)
        {
            Http2Frames.WriteWindowUpdate(_socket, call.StreamId, (int)call.StreamUnacknowledged);
            call.ReceiveWindow += call.StreamUnacknowledged;
            call.StreamUnacknowledged = 0;
        }
    }

    private void CreditConnection(int count)
    {
        _connectionUnacknowledged += count;
        if (_connectionUnacknowledged >= _options.ConnectionWindowSize / 4)
        {
            Http2Frames.WriteWindowUpdate(_socket, 0, (int)_connectionUnacknowledged);
            _connectionReceiveWindow += _connectionUnacknowledged;
            _connectionUnacknowledged = 0;
        }
    }

    private void Break(Http2Exception ex)
    {
        if (_broken)
        {
            return;
        }
        _broken = true;
        StreamingLog.ProtocolError(_logger, _socket.Remote, ex.Code.ToString(), ex.Message);
        Http2Frames.TryWriteGoAway(_socket, _lastStreamId, ex.Code, ex.Message);
        _reading?.Break(new Status(StatusCode.Internal, $"HTTP/2 protocol error from {_socket.Remote}: {ex.Message}"));
        _sendWindow.Fail(new IOException("the connection is closed"));
        _socket.Close();
    }

    private void Lost(Exception ex)
    {
        if (_broken)
        {
            return;
        }
        _broken = true;
        StreamingLog.ConnectionLost(_logger, _socket.Remote, ex.Message);
        _reading?.Break(new Status(StatusCode.Unavailable, $"the connection from {_socket.Remote} broke: {ex.Message}"));
        _sendWindow.Fail(new IOException("the connection is closed"));
        _socket.Close();
    }

    internal static bool IsConnectionLoss(Exception ex) =>
        ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException;
}
