using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Saol.Rpc.Http2;
using Saol.Rpc.Http2.Hpack;

namespace Saol.Rpc.Tests.Http2;

/// <summary>
/// A hand-driven HTTP/2 client on a plain socket: writes whatever bytes a test wants (valid or
/// not) and reads the server's frames back. Every read gives up after a few seconds, so a server
/// that stops answering fails the test instead of hanging it.
/// </summary>
internal sealed class RawH2Connection : IDisposable
{
    private static readonly TimeSpan s_readTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly HpackDecoder _decoder = new(maxHeaderListSize: 1 << 20);

    private RawH2Connection(Socket socket)
    {
        _socket = socket;
    }

    /// <param name="port">The server's loopback port.</param>
    /// <param name="receiveBufferSize">A small fixed receive buffer makes a server that writes to this unread connection block soon.</param>
    public static RawH2Connection Open(int port, int? receiveBufferSize = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)s_readTimeout.TotalMilliseconds,
        };
        if (receiveBufferSize is { } size)
        {
            socket.ReceiveBufferSize = size;
        }
        socket.Connect(IPAddress.Loopback, port);
        return new RawH2Connection(socket);
    }

    /// <summary>The preface and an empty SETTINGS frame.</summary>
    public RawH2Connection Handshake()
    {
        Write(Http2Protocol.ClientPreface);
        WriteFrame(FrameType.Settings, FrameFlags.None, 0, []);
        return this;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[_socket.Send(bytes)..];
        }
    }

    public void WriteFrame(FrameType type, FrameFlags flags, int streamId, ReadOnlySpan<byte> payload) =>
        Write(Frame(type, flags, streamId, payload));

    /// <summary>A frame header claiming <paramref name="length"/> payload bytes, without the payload.</summary>
    public void WriteFrameHeader(int length, FrameType type, FrameFlags flags, int streamId)
    {
        Span<byte> header = stackalloc byte[Http2Protocol.FrameHeaderSize];
        new FrameHeader(length, type, flags, streamId).Write(header);
        Write(header);
    }

    public static byte[] Frame(FrameType type, FrameFlags flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[Http2Protocol.FrameHeaderSize + payload.Length];
        new FrameHeader(payload.Length, type, flags, streamId).Write(frame);
        payload.CopyTo(frame.AsSpan(Http2Protocol.FrameHeaderSize));
        return frame;
    }

    /// <summary>The header block of a gRPC request (literal, unindexed fields).</summary>
    public static byte[] RequestBlock(string path, params (string Name, string Value)[] extra)
    {
        var block = new List<byte>();
        HpackEncoder.WriteIndexed(3, block); // :method POST
        HpackEncoder.WriteIndexed(6, block); // :scheme http
        HpackEncoder.WriteLiteral(":path", path, block);
        HpackEncoder.WriteLiteral(":authority", "127.0.0.1", block);
        HpackEncoder.WriteLiteral("content-type", "application/grpc", block);
        HpackEncoder.WriteLiteral("te", "trailers", block);
        foreach (var (name, value) in extra)
        {
            HpackEncoder.WriteLiteral(name, value, block);
        }
        return [.. block];
    }

    public void WriteHeaders(int streamId, string path, bool endStream = false, params (string Name, string Value)[] extra) =>
        WriteFrame(FrameType.Headers, FrameFlags.EndHeaders | (endStream ? FrameFlags.EndStream : FrameFlags.None), streamId, RequestBlock(path, extra));

    /// <summary>A gRPC message (5-byte prefix and <paramref name="message"/>) as one DATA frame.</summary>
    public static byte[] MessageFrame(int streamId, ReadOnlySpan<byte> message, bool endStream = false)
    {
        var payload = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(1), (uint)message.Length);
        message.CopyTo(payload.AsSpan(5));
        return Frame(FrameType.Data, endStream ? FrameFlags.EndStream : FrameFlags.None, streamId, payload);
    }

    public void WriteMessage(int streamId, ReadOnlySpan<byte> message, bool endStream = false) => Write(MessageFrame(streamId, message, endStream));

    public void EndStream(int streamId) => WriteFrame(FrameType.Data, FrameFlags.EndStream, streamId, []);

    /// <summary>The next frame, or null once the server has closed the connection.</summary>
    public (FrameHeader Header, byte[] Payload)? ReadFrame()
    {
        var header = new byte[Http2Protocol.FrameHeaderSize];
        if (!ReadExactly(header))
        {
            return null;
        }
        var frame = FrameHeader.Read(header);
        var payload = new byte[frame.Length];
        return ReadExactly(payload) ? (frame, payload) : null;
    }

    /// <summary>Reads frames until GOAWAY (answering nothing) and returns its code; fails if the connection ends first.</summary>
    public Http2ErrorCode ExpectGoAway()
    {
        while (ReadFrame() is var (header, payload))
        {
            if (header.Type == FrameType.GoAway)
            {
                return (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4));
            }
        }
        Assert.Fail("the server closed the connection without GOAWAY");
        return default;
    }

    /// <summary>Reads frames until the server closes the connection.</summary>
    public void ExpectClosed()
    {
        while (ReadFrame() is not null)
        {
        }
    }

    /// <summary>Reads until the stream's trailers (END_STREAM on HEADERS) or an RST_STREAM of it; every frame read is kept.</summary>
    public RawResponse ReadResponse(int streamId)
    {
        var response = new RawResponse();
        while (ReadFrame() is var (header, payload))
        {
            response.Frames.Add((header, payload));
            if (header.StreamId != streamId)
            {
                continue;
            }
            switch (header.Type)
            {
                case FrameType.Headers:
                    Assert.True(header.Has(FrameFlags.EndHeaders), "the tests' responses fit one HEADERS frame");
                    var fields = new List<KeyValuePair<string, string>>();
                    _decoder.Decode(payload, fields);
                    response.Fields.AddRange(fields);
                    if (header.Has(FrameFlags.EndStream))
                    {
                        return response;
                    }
                    break;
                case FrameType.Data:
                    response.Data.AddRange(payload);
                    break;
                case FrameType.RstStream:
                    response.Reset = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload);
                    return response;
            }
        }
        Assert.Fail($"the connection closed before stream {streamId} ended");
        return response;
    }

    /// <summary>Stops sending (the server reads end-of-stream) but keeps reading.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public void Dispose() => _socket.Dispose();

    private bool ReadExactly(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int n;
            try
            {
                n = _socket.Receive(destination);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut)
            {
                throw new TimeoutException($"the server sent nothing for {s_readTimeout}: it hangs");
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                return false;
            }
            if (n == 0)
            {
                return false;
            }
            destination = destination[n..];
        }
        return true;
    }
}

/// <summary>What <see cref="RawH2Connection.ReadResponse"/> saw of one stream.</summary>
internal sealed class RawResponse
{
    public List<(FrameHeader Header, byte[] Payload)> Frames { get; } = [];

    public List<KeyValuePair<string, string>> Fields { get; } = [];

    public List<byte> Data { get; } = [];

    public Http2ErrorCode? Reset { get; set; }

    public string? this[string name] => Fields.LastOrDefault(f => f.Key == name).Value;

    public StatusCode? GrpcStatus => this["grpc-status"] is { } code ? (StatusCode)int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) : null;
}
