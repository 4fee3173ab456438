using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Saol.Rpc.Http2.Hpack;
using Saol.Rpc.Internal;

namespace Saol.Rpc.Http2;

/// <summary>Settings of a <see cref="StreamingClientCall"/>.</summary>
public sealed class StreamingClientOptions
{
    /// <summary>Sent as <c>authorization: Bearer &lt;token&gt;</c> when set.</summary>
    public string? BearerToken { get; set; }

    /// <summary>How long connecting may take. Defaults to 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest response message accepted. Defaults to 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;
}

/// <summary>
/// One client-streaming gRPC call on its own h2c connection: blocking writes that send each
/// message's bytes straight from the caller's memory (no copy before the kernel), flow control
/// honoured, and the response read by a background thread. Standard gRPC on the wire: any gRPC
/// server can be called, not only <see cref="StreamingServer"/>.
/// </summary>
/// <remarks>
/// <see cref="WriteMessage"/> and <see cref="CompleteRequest"/> are for one thread at a time.
/// <see cref="Cancel"/> and <see cref="Dispose"/> may be called from any thread and fail a blocked write.
/// </remarks>
public sealed class StreamingClientCall : IDisposable
{
    private const int StreamId = 1;

    // The receive window for the (small) response.
    private const int ResponseWindow = 1024 * 1024;

    // How long a failed write waits for the server's last word before reporting the broken connection.
    private static readonly TimeSpan s_answerGrace = TimeSpan.FromSeconds(1);

    private readonly Uri _address;
    private readonly string _method;
    private readonly StreamingClientOptions _options;
    private readonly Task<Http2Socket> _connected;
    private readonly SendWindow _sendWindow = new();
    // Decodes as much as SETTINGS_MAX_HEADER_LIST_SIZE promises.
    private readonly HpackDecoder _decoder = new(maxHeaderListSize: Http2Frames.MaxHeaderBlockSize);
    private readonly TaskCompletionSource<byte[]> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Metadata _responseTrailers = [];
    private readonly PeerSettings _peer = new();
    private bool _requestCompleted;
    private int _ended;

    private StreamingClientCall(Uri address, string method, Metadata headers, StreamingClientOptions options)
    {
        _address = address;
        _method = method;
        _options = options;
        _connected = ConnectAsync(headers);
        // A failed connection fails the response too.
        _connected.ContinueWith(t => End(new RpcException(new Status(StatusCode.Unavailable, $"cannot reach {_address}: {t.Exception!.GetBaseException().Message}"))),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Starts a call of <paramref name="method"/> (<c>/package.Service/Method</c>) at
    /// <paramref name="address"/> (<c>http://host:port</c>). Connecting happens in the background:
    /// a server that cannot be reached fails the first write and <see cref="ResponseAsync"/> with UNAVAILABLE.
    /// </summary>
    public static StreamingClientCall Start(Uri address, string method, Metadata? headers = null, StreamingClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentException.ThrowIfNullOrEmpty(method);
        if (address.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"a streaming call needs an http:// (h2c) address, not {address}", nameof(address));
        }
        return new StreamingClientCall(address, method, headers ?? Metadata.Empty, options ?? new StreamingClientOptions());
    }

    /// <summary>The response message; throws <see cref="RpcException"/> with the server's status (and trailers) for an error.</summary>
    public Task<byte[]> ResponseAsync => _response.Task;

    /// <summary>The trailers of the response (complete once <see cref="ResponseAsync"/> has finished).</summary>
    public Metadata ResponseTrailers => _responseTrailers;

    /// <summary>
    /// Sends one message made of <paramref name="head"/> followed by <paramref name="body"/>,
    /// blocking while the server's flow-control window is spent. The caller may reuse both buffers
    /// when it returns.
    /// </summary>
    /// <exception cref="RpcException">The call has ended (the status says why: the server's answer, a broken connection, a cancellation).</exception>
    public void WriteMessage(ReadOnlySpan<byte> head, ReadOnlySpan<byte> body)
    {
        var socket = Connection();
        if (_requestCompleted)
        {
            throw new InvalidOperationException("the request stream is already complete");
        }
        var total = (long)head.Length + body.Length;
        if (total > int.MaxValue)
        {
            throw new ArgumentException("a gRPC message is at most 2^31-1 bytes");
        }
        var first = new byte[GrpcProtocol.FrameHeaderSize + head.Length];
        BinaryPrimitives.WriteUInt32BigEndian(first.AsSpan(1), (uint)total);
        head.CopyTo(first.AsSpan(GrpcProtocol.FrameHeaderSize));
        try
        {
            ReadOnlySpan<byte> a = first, b = body;
            while (!a.IsEmpty || !b.IsEmpty)
            {
                var size = _sendWindow.Take(Math.Min(a.Length + b.Length, _peer.MaxFrameSize));
                var fromA = Math.Min(size, a.Length);
                var fromB = size - fromA;
                socket.WriteFrame(new FrameHeader(size, FrameType.Data, FrameFlags.None, StreamId), a[..fromA], b[..fromB]);
                a = a[fromA..];
                b = b[fromB..];
            }
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Broken(ex);
        }
    }

    /// <summary>Ends the request stream (the server then sends its response).</summary>
    public void CompleteRequest()
    {
        var socket = Connection();
        if (_requestCompleted)
        {
            return;
        }
        _requestCompleted = true;
        try
        {
            socket.WriteFrame(new FrameHeader(0, FrameType.Data, FrameFlags.EndStream, StreamId), default);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Broken(ex);
        }
    }

    /// <summary>Cancels the call (RST_STREAM CANCEL) and closes its connection; a no-op once the call has ended.</summary>
    public void Cancel()
    {
        if (_connected.IsCompletedSuccessfully && Volatile.Read(ref _ended) == 0)
        {
            try
            {
                // Skipped while a write is blocked (the server reads nothing): closing the connection
                // below ends the stream as well, and Cancel must not wait for that write.
                Span<byte> code = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(code, (uint)Http2ErrorCode.Cancel);
                _connected.Result.TryWriteFrame(new FrameHeader(4, FrameType.RstStream, FrameFlags.None, StreamId), code);
            }
            catch (Exception ex) when (ServerConnection.IsConnectionLoss(ex))
            {
            }
        }
        End(new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled by the client")));
    }

    /// <summary>Cancels the call if it is still running and releases the connection.</summary>
    public void Dispose() => Cancel();

    private Http2Socket Connection()
    {
        try
        {
            var socket = _connected.GetAwaiter().GetResult();
            if (_response.Task.IsCompleted)
            {
                // The server answered (or the call broke) while this end was still sending.
                throw _response.Task.Exception?.GetBaseException() as RpcException
                    ?? new RpcException(new Status(StatusCode.Internal, "the server completed the call before the request stream ended"));
            }
            return socket;
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"cannot reach {_address}: {ex.Message}"));
        }
    }

    private async Task<Http2Socket> ConnectAsync(Metadata headers)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
            await socket.ConnectAsync(new DnsEndPoint(_address.Host, _address.Port), timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new Http2Socket(socket);
        var block = new List<byte>(256);
        HpackEncoder.WriteIndexed(3, block); // :method POST
        HpackEncoder.WriteIndexed(6, block); // :scheme http
        HpackEncoder.WriteLiteral(":path", _method, block);
        HpackEncoder.WriteLiteral(":authority", _address.Authority, block);
        HpackEncoder.WriteLiteral("content-type", GrpcProtocol.ContentType, block);
        HpackEncoder.WriteLiteral("te", "trailers", block);
        HpackEncoder.WriteLiteral("user-agent", GrpcProtocol.UserAgent, block);
        if (_options.BearerToken is { } token)
        {
            HpackEncoder.WriteLiteral(GrpcProtocol.AuthorizationHeader, "Bearer " + token, block);
        }
        foreach (var entry in headers)
        {
            HpackEncoder.WriteLiteral(entry.Key, GrpcProtocol.EncodeHeaderValue(entry), block);
        }
        try
        {
            connection.WriteRaw(Http2Protocol.ClientPreface);
            Http2Frames.WriteSettings(connection,
            [
                (SettingId.EnablePush, 0),
                (SettingId.InitialWindowSize, (uint)ResponseWindow),
                (SettingId.MaxHeaderListSize, (uint)Http2Frames.MaxHeaderBlockSize),
            ]);
            Http2Frames.WriteHeaderBlock(connection, StreamId, endStream: false, block, Http2Protocol.DefaultMaxFrameSize);
        }
        catch
        {
            connection.Close();
            throw;
        }
        new Thread(() => ReadLoop(connection)) { IsBackground = true, Name = "saol-h2-client" }.Start();
        return connection;
    }

    // The connection's reading thread: the server's settings, window updates, pings and the response.
    private void ReadLoop(Http2Socket socket)
    {
        var responseHeadersSeen = false;
        var message = new List<byte>();
        try
        {
            while (Volatile.Read(ref _ended) == 0)
            {
                var header = socket.ReadFrameHeader();
                Http2Frames.CheckLength(header, Http2Protocol.DefaultMaxFrameSize);
                if (header.StreamId is not 0 and not StreamId && header.Type is FrameType.Data or FrameType.Headers)
                {
                    throw new Http2Exception(Http2ErrorCode.ProtocolError, $"{header}: this connection has only stream {StreamId}");
                }
                switch (header.Type)
                {
                    case FrameType.Settings:
                        Http2Frames.ApplySettings(socket, header, _peer, _sendWindow, StreamId);
                        break;
                    case FrameType.Ping:
                        Http2Frames.HandlePing(socket, header);
                        break;
                    case FrameType.WindowUpdate:
                        var increment = Http2Frames.ReadWindowUpdate(socket, header);
                        if (header.StreamId == 0)
                        {
                            _sendWindow.AddConnection(increment);
                        }
                        else
                        {
                            _sendWindow.AddStream(increment, header.StreamId);
                        }
                        break;
                    case FrameType.Headers:
                        var fields = Http2Frames.ReadHeaderBlock(socket, header, _decoder, Http2Protocol.DefaultMaxFrameSize);
                        if (!responseHeadersSeen)
                        {
                            responseHeadersSeen = true;
                            var status = fields.FirstOrDefault(f => f.Key == ":status").Value;
                            if (status != "200")
                            {
                                var code = int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var http) ? GrpcProtocol.FromHttpStatus((HttpStatusCode)http) : StatusCode.Internal;
                                Finish(new Status(code, $"the server answered HTTP status {status}"), fields, null);
                                return;
                            }
                            if (!header.Has(FrameFlags.EndStream))
                            {
                                break;
                            }
                        }
                        else if (!header.Has(FrameFlags.EndStream))
                        {
                            throw new Http2Exception(Http2ErrorCode.ProtocolError, "trailers without END_STREAM");
                        }
                        Finish(null, fields, message);
                        return;
                    case FrameType.Data:
                        ReadResponseData(socket, header, message);
                        if (header.Has(FrameFlags.EndStream))
                        {
                            Finish(new Status(StatusCode.Internal, "the server ended the stream without trailers"), [], null);
                            return;
                        }
                        break;
                    case FrameType.RstStream:
                        var reset = Http2Frames.ReadRstStream(socket, header);
                        End(new RpcException(new Status(GrpcProtocol.FromHttp2ErrorCode((long)reset), $"the server reset the stream ({reset})")));
                        return;
                    case FrameType.GoAway:
                        var (last, goAwayCode, debug) = Http2Frames.ReadGoAway(socket, header);
                        if (last < StreamId || goAwayCode != Http2ErrorCode.NoError)
                        {
                            End(new RpcException(new Status(StatusCode.Unavailable, $"the server at {_address} ended the connection ({goAwayCode}): {debug}")));
                            return;
                        }
                        break;
                    case FrameType.PushPromise:
                        throw new Http2Exception(Http2ErrorCode.ProtocolError, "PUSH_PROMISE although push is disabled");
                    case FrameType.Continuation:
                        throw new Http2Exception(Http2ErrorCode.ProtocolError, "CONTINUATION without HEADERS");
                    default:
                        Http2Frames.Ignore(socket, header);
                        break;
                }
            }
        }
        catch (Http2Exception ex)
        {
            Http2Frames.TryWriteGoAway(socket, 0, ex.Code, ex.Message);
            End(new RpcException(new Status(StatusCode.Internal, $"HTTP/2 protocol error from {_address}: {ex.Message}")));
        }
        catch (Exception ex) when (ServerConnection.IsConnectionLoss(ex))
        {
            End(new RpcException(new Status(StatusCode.Unavailable, $"the connection to {_address} broke: {ex.Message}")));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // What the server sent cannot be taken (trailers that are no valid metadata): fail the
            // call rather than the process, whose thread this is.
            End(new RpcException(new Status(StatusCode.Internal, $"the response from {_address} is malformed: {ex.Message}", ex)));
        }
        finally
        {
            // The call is over, however it ended; this also closes a connection that came up after
            // an early Cancel, which found no connection to close.
            socket.Close();
        }
    }

    private void ReadResponseData(Http2Socket socket, FrameHeader header, List<byte> message)
    {
        var length = header.Length;
        var padding = 0;
        if (header.Has(FrameFlags.Padded))
        {
            Span<byte> pad = stackalloc byte[1];
            socket.ReadExactly(pad);
            padding = pad[0];
            length -= 1 + padding;
            if (length < 0)
            {
                throw new Http2Exception(Http2ErrorCode.ProtocolError, $"{header}: padding exceeds the frame");
            }
        }
        if (message.Count + length > _options.MaxReceiveMessageSize + GrpcProtocol.FrameHeaderSize)
        {
            throw new Http2Exception(Http2ErrorCode.EnhanceYourCalm, $"the response exceeds {_options.MaxReceiveMessageSize} bytes");
        }
        var data = new byte[length];
        socket.ReadExactly(data);
        socket.Skip(padding);
        message.AddRange(data);
        if (header.Length > 0)
        {
            // Responses are small: give the credit back at once.
            Http2Frames.WriteWindowUpdate(socket, 0, header.Length);
            if (!header.Has(FrameFlags.EndStream))
            {
                Http2Frames.WriteWindowUpdate(socket, StreamId, header.Length);
            }
        }
    }

    // The trailers arrived: the call's outcome.
    private void Finish(Status? forced, List<KeyValuePair<string, string>> trailers, List<byte>? message)
    {
        foreach (var (name, value) in trailers)
        {
            if (!GrpcProtocol.IsReservedHeader(name))
            {
                GrpcProtocol.AddReceivedHeader(_responseTrailers, name, value);
            }
        }
        var status = forced ?? new Status(
            GrpcProtocol.ParseStatusCode(trailers.FirstOrDefault(f => f.Key == GrpcProtocol.StatusHeader).Value) ?? StatusCode.Unknown,
            GrpcProtocol.PercentDecode(trailers.FirstOrDefault(f => f.Key == GrpcProtocol.MessageHeader).Value));
        if (forced is null && trailers.All(f => f.Key != GrpcProtocol.StatusHeader))
        {
            status = new Status(StatusCode.Internal, "the server's trailers have no grpc-status");
        }
        if (status.StatusCode == StatusCode.OK && message is not null)
        {
            var bytes = message.ToArray();
            if (bytes.Length < GrpcProtocol.FrameHeaderSize || bytes[0] != 0 || BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1)) != bytes.Length - GrpcProtocol.FrameHeaderSize)
            {
                End(new RpcException(new Status(StatusCode.Internal, $"the server's OK response is not exactly one uncompressed message ({bytes.Length} bytes)"), _responseTrailers));
                return;
            }
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                _sendWindow.Fail(new RpcException(new Status(StatusCode.Internal, "the server completed the call before the request stream ended")));
                _response.TrySetResult(bytes[GrpcProtocol.FrameHeaderSize..]);
                _connected.Result.Close();
            }
            return;
        }
        End(new RpcException(status.StatusCode == StatusCode.OK ? new Status(StatusCode.Internal, "OK status without a response message") : status, _responseTrailers));
    }

    private RpcException Broken(Exception ex)
    {
        // A server that ends the call or the connection (trailers, RST_STREAM, GOAWAY) and closes
        // makes the write fail first: give the reading thread a moment to take what it said.
        try
        {
            _response.Task.Wait(s_answerGrace);
        }
        catch (AggregateException)
        {
            // It ended with an error: that is the answer taken below.
        }
        var error = new RpcException(new Status(StatusCode.Unavailable, $"the connection to {_address} broke: {ex.Message}"));
        End(error);
        return _response.Task.Exception?.GetBaseException() as RpcException ?? error;
    }

    private void End(RpcException error)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 1)
        {
            return;
        }
        _response.TrySetException(error);
        _sendWindow.Fail(error);
        if (_connected.IsCompletedSuccessfully)
        {
            _connected.Result.Close();
        }
    }
}
