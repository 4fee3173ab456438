using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Saol.Rpc.Http2;
using Saol.Rpc.Http2.Hpack;

namespace Saol.Rpc.Tests.Http2;

/// <summary>
/// Bytes written by hand to a <see cref="StreamingServer"/> that break HTTP/2 or gRPC: each
/// connection ends with the GOAWAY code RFC 9113 names (or just closes), its thread ends, and
/// the server goes on serving. A seeded fuzzer mutates valid connections the same way.
/// </summary>
public sealed class StreamingBadInputTests : IAsyncLifetime
{
    private BulkServer? _server;

    private BulkServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await BulkServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task GarbagePreface_Http11Request_GoAwayProtocolError()
    {
        using var raw = RawH2Connection.Open(Server.Port);

        raw.Write("GET / HTTP/1.1\r\nHost:x\r\n"u8);

        Assert.Equal(Http2ErrorCode.ProtocolError, await Task.Run(raw.ExpectGoAway).DefaultTimeout());
        await AssertServerUnharmedAsync();
    }

    [Fact]
    public async Task NoPreface_FramesStraightAway_GoAwayProtocolError()
    {
        using var raw = RawH2Connection.Open(Server.Port);

        // A SETTINGS frame with 15 payload bytes: exactly the preface's 24 bytes, none of them right.
        raw.WriteFrame(FrameType.Settings, FrameFlags.None, 0, new byte[15]);

        Assert.Equal(Http2ErrorCode.ProtocolError, await Task.Run(raw.ExpectGoAway).DefaultTimeout());
        await AssertServerUnharmedAsync();
    }

    [Fact]
    public async Task PrefaceThenPing_SettingsMissing_GoAwayProtocolError()
    {
        using var raw = RawH2Connection.Open(Server.Port);
        raw.Write(Http2Protocol.ClientPreface);

        raw.WriteFrame(FrameType.Ping, FrameFlags.None, 0, new byte[8]);

        Assert.Equal(Http2ErrorCode.ProtocolError, await Task.Run(raw.ExpectGoAway).DefaultTimeout());
        await AssertServerUnharmedAsync();
    }

    [Fact]
    public async Task TruncatedPreface_ThenClose_ConnectionEnds()
    {
        using var raw = RawH2Connection.Open(Server.Port);

        raw.Write(Http2Protocol.ClientPreface[..10]);
        raw.ShutdownSend();

        await Task.Run(raw.ExpectClosed).DefaultTimeout();
        await AssertServerUnharmedAsync();
    }

    public static TheoryData<string, byte[], uint> ConnectionErrors()
    {
        var block = RawH2Connection.RequestBlock(BulkServer.Digest);
        return new TheoryData<string, byte[], uint>
        {
            { "frame over SETTINGS_MAX_FRAME_SIZE", Header(4 * 1024 * 1024 + 1, (FrameType)0xfa, FrameFlags.None, 0), Code(Http2ErrorCode.FrameSizeError) },
            { "DATA over SETTINGS_MAX_FRAME_SIZE", Header(4 * 1024 * 1024 + 1, FrameType.Data, FrameFlags.None, 1), Code(Http2ErrorCode.FrameSizeError) },
            { "DATA on stream 0", Frame(FrameType.Data, FrameFlags.None, 0, []), Code(Http2ErrorCode.ProtocolError) },
            { "DATA on an idle stream", Frame(FrameType.Data, FrameFlags.None, 5, []), Code(Http2ErrorCode.ProtocolError) },
            { "HEADERS with index 0", Frame(FrameType.Headers, FrameFlags.EndHeaders, 1, [0x80]), Code(Http2ErrorCode.CompressionError) },
            { "HEADERS with an index past the tables", Frame(FrameType.Headers, FrameFlags.EndHeaders, 1, [0xFF, 0x10]), Code(Http2ErrorCode.CompressionError) },
            { "HEADERS with a truncated string", Frame(FrameType.Headers, FrameFlags.EndHeaders, 1, [0x00, 0x05, (byte)'a']), Code(Http2ErrorCode.CompressionError) },
            { "HEADERS with an integer overflow", Frame(FrameType.Headers, FrameFlags.EndHeaders, 1, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]), Code(Http2ErrorCode.CompressionError) },
            { "HEADERS on stream 0", Header(block.Length, FrameType.Headers, FrameFlags.EndHeaders, 0), Code(Http2ErrorCode.ProtocolError) },
            { "HEADERS on an even stream", Frame(FrameType.Headers, FrameFlags.EndHeaders, 2, block), Code(Http2ErrorCode.ProtocolError) },
            { "HEADERS then a PING before its CONTINUATION", [.. Frame(FrameType.Headers, FrameFlags.None, 1, block), .. Frame(FrameType.Ping, FrameFlags.None, 0, new byte[8])], Code(Http2ErrorCode.ProtocolError) },
            { "CONTINUATION without HEADERS", Frame(FrameType.Continuation, FrameFlags.EndHeaders, 1, []), Code(Http2ErrorCode.ProtocolError) },
            {
                "a flood of empty CONTINUATION frames",
                [.. Frame(FrameType.Headers, FrameFlags.None, 1, block), .. Enumerable.Range(0, Http2Frames.MaxContinuationFrames + 1).SelectMany(_ => Frame(FrameType.Continuation, FrameFlags.None, 1, []))],
                Code(Http2ErrorCode.EnhanceYourCalm)
            },
            { "PUSH_PROMISE from a client", Header(4, FrameType.PushPromise, FrameFlags.EndHeaders, 1), Code(Http2ErrorCode.ProtocolError) },
            { "WINDOW_UPDATE of 0 on the connection", Frame(FrameType.WindowUpdate, FrameFlags.None, 0, new byte[4]), Code(Http2ErrorCode.ProtocolError) },
            { "WINDOW_UPDATE overflowing the connection window", [.. WindowUpdate(0x7FFF_FFFF), .. WindowUpdate(0x7FFF_FFFF)], Code(Http2ErrorCode.FlowControlError) },
            { "WINDOW_UPDATE of 3 bytes", Header(3, FrameType.WindowUpdate, FrameFlags.None, 0), Code(Http2ErrorCode.FrameSizeError) },
            { "SETTINGS of 7 bytes", Header(7, FrameType.Settings, FrameFlags.None, 0), Code(Http2ErrorCode.FrameSizeError) },
            { "SETTINGS on stream 1", Frame(FrameType.Settings, FrameFlags.None, 1, []), Code(Http2ErrorCode.ProtocolError) },
            { "SETTINGS ACK with a payload", Header(6, FrameType.Settings, FrameFlags.Ack, 0), Code(Http2ErrorCode.FrameSizeError) },
            { "SETTINGS_INITIAL_WINDOW_SIZE over 2^31-1", Settings(SettingId.InitialWindowSize, 0x8000_0000), Code(Http2ErrorCode.FlowControlError) },
            { "SETTINGS_MAX_FRAME_SIZE under 16 KiB", Settings(SettingId.MaxFrameSize, 100), Code(Http2ErrorCode.ProtocolError) },
            { "SETTINGS_ENABLE_PUSH of 2", Settings(SettingId.EnablePush, 2), Code(Http2ErrorCode.ProtocolError) },
            { "PING of 7 bytes", Header(7, FrameType.Ping, FrameFlags.None, 0), Code(Http2ErrorCode.FrameSizeError) },
            { "PING on stream 1", Header(8, FrameType.Ping, FrameFlags.None, 1), Code(Http2ErrorCode.ProtocolError) },
            { "RST_STREAM on stream 0", Header(4, FrameType.RstStream, FrameFlags.None, 0), Code(Http2ErrorCode.ProtocolError) },
            { "RST_STREAM on an idle stream", Frame(FrameType.RstStream, FrameFlags.None, 9, new byte[4]), Code(Http2ErrorCode.ProtocolError) },
            { "PRIORITY of 4 bytes", Header(4, FrameType.Priority, FrameFlags.None, 1), Code(Http2ErrorCode.FrameSizeError) },
            { "GOAWAY of 7 bytes", Frame(FrameType.GoAway, FrameFlags.None, 0, new byte[7]), Code(Http2ErrorCode.FrameSizeError) },
        };
    }

    [Theory]
    [InlineData(65_535, 1 << 20, "stream")]
    [InlineData(1 << 20, 65_535, "connection")]
    public async Task DataBeyondTheReceiveWindow_GoAwayFlowControlError(int streamWindow, int connectionWindow, string which)
    {
        await using var server = await BulkServer.StartAsync(o =>
        {
            o.InitialStreamWindowSize = streamWindow;
            o.ConnectionWindowSize = connectionWindow;
        });
        using var raw = RawH2Connection.Open(server.Port).Handshake();
        raw.WriteFrame(FrameType.Headers, FrameFlags.EndHeaders, 1, RawH2Connection.RequestBlock(BulkServer.Digest));

        // One frame one byte larger than the smaller window: a client that ignored flow control.
        raw.WriteFrame(FrameType.Data, FrameFlags.None, 1, new byte[65_536]);

        Assert.True(Http2ErrorCode.FlowControlError == await Task.Run(raw.ExpectGoAway).DefaultTimeout(), which);
        await server.AssertStillServingAsync();
    }

    [Theory]
    [MemberData(nameof(ConnectionErrors))]
    public async Task ConnectionError_AfterHandshake_GoAwayWithItsCode(string what, byte[] bytes, uint expected)
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();

        raw.Write(bytes);

        Assert.True((Http2ErrorCode)expected == await Task.Run(raw.ExpectGoAway).DefaultTimeout(), what);
        await Task.Run(raw.ExpectClosed).DefaultTimeout();
        await AssertServerUnharmedAsync();
    }

    [Fact]
    public async Task ConnectionError_WhileAHandlerReads_HandlerFailsInternalAndGoAway()
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        raw.WriteHeaders(1, BulkServer.Hold);
        raw.WriteMessage(1, [1, 2, 3]);
        var held = await Server.NextHeldAsync();
        await held.WaitForMessageAsync();

        raw.Write(Frame(FrameType.WindowUpdate, FrameFlags.None, 1, new byte[4]));

        Assert.Equal(Http2ErrorCode.ProtocolError, await Task.Run(raw.ExpectGoAway).DefaultTimeout());
        Assert.Equal(StatusCode.Internal, (await held.Outcome.Task.DefaultTimeout())!.StatusCode);
        await AssertServerUnharmedAsync();
    }

    [Fact]
    public async Task PaddingLongerThanTheDataFrame_GoAwayProtocolError()
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        raw.WriteHeaders(1, BulkServer.Digest);

        raw.Write(Frame(FrameType.Data, FrameFlags.Padded, 1, [10, 0, 0, 0]));

        Assert.Equal(Http2ErrorCode.ProtocolError, await Task.Run(raw.ExpectGoAway).DefaultTimeout());
        await AssertServerUnharmedAsync();
    }

    [Fact]
    public async Task PaddedAndSplitFrames_Valid_MessagesArriveIntact()
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        // HEADERS padded and with priority, its block split over two CONTINUATIONs; DATA padded
        // and a message split across three frames with a PING and an unknown frame in between.
        var block = RawH2Connection.RequestBlock(BulkServer.Digest);
        byte[] headers = [3, 0, 0, 0, 0, 16, .. block.AsSpan(0, 5), 0, 0, 0];
        raw.Write(Frame(FrameType.Headers, FrameFlags.Padded | FrameFlags.Priority, 1, headers));
        raw.Write(Frame(FrameType.Continuation, FrameFlags.None, 1, block.AsSpan(5, 10)));
        raw.Write(Frame(FrameType.Continuation, FrameFlags.EndHeaders, 1, block.AsSpan(15)));
        var message = StreamingRoundTripTests.Bytes(1000, seed: 5);
        var framed = RawH2Connection.MessageFrame(1, message).AsSpan(Http2Protocol.FrameHeaderSize).ToArray();
        raw.Write(Frame(FrameType.Data, FrameFlags.Padded, 1, [7, .. framed.AsSpan(0, 3), 0, 0, 0, 0, 0, 0, 0]));
        raw.Write(Frame(FrameType.Ping, FrameFlags.None, 0, new byte[8]));
        raw.Write(Frame(FrameType.Data, FrameFlags.None, 1, framed.AsSpan(3, 500)));
        raw.Write(Frame((FrameType)0x42, FrameFlags.None, 1, new byte[17]));
        raw.Write(Frame(FrameType.Data, FrameFlags.None, 1, framed.AsSpan(503)));
        raw.Write(Frame(FrameType.Data, FrameFlags.Padded | FrameFlags.EndStream, 1, [0]));

        var response = await Task.Run(() => raw.ReadResponse(1)).DefaultTimeout();

        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal(BulkDigest.Of([message]), response.Data.Skip(5).ToArray());
        Assert.Contains(response.Frames, f => f.Header.Type == FrameType.Ping && f.Header.Has(FrameFlags.Ack));
    }

    [Fact]
    public async Task TruncatedFrames_ThenClose_ConnectionEnds()
    {
        for (var cut = 1; cut < 40; cut += 3)
        {
            using var raw = RawH2Connection.Open(Server.Port).Handshake();
            byte[] valid = [.. Frame(FrameType.Headers, FrameFlags.EndHeaders, 1, RawH2Connection.RequestBlock(BulkServer.Hold)), .. RawH2Connection.MessageFrame(1, new byte[30])];

            raw.Write(valid.AsSpan(0, valid.Length - cut));
            raw.ShutdownSend();

            await Task.Run(raw.ExpectClosed).DefaultTimeout();
        }
        await AssertServerUnharmedAsync();
    }

    public static TheoryData<string, string> BadMetadata() => new()
    {
        { "x-text", "caf\u00e9" },
        { "x-text", "line\u0001break" },
        { "x-data-bin", "!!not base64!!" },
        { "x space", "value" },
        { "x-text\u00e9", "value" },
    };

    [Theory]
    [MemberData(nameof(BadMetadata))]
    public async Task MetadataThatIsNoValidMetadata_CallFailsInternal_ConnectionServesTheNextCall(string name, string value)
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        var block = new List<byte>(RawH2Connection.RequestBlock(BulkServer.Digest));
        // The name is written as raw octets: HPACK carries what HpackEncoder (rightly) refuses to write.
        block.Add(0x00);
        HpackEncoder.WriteInteger(name.Length, 7, 0, block);
        block.AddRange(Encoding.Latin1.GetBytes(name));
        HpackEncoder.WriteInteger(value.Length, 7, 0, block);
        block.AddRange(Encoding.Latin1.GetBytes(value));
        raw.Write(Frame(FrameType.Headers, FrameFlags.EndHeaders | FrameFlags.EndStream, 1, [.. block]));

        var response = await Task.Run(() => raw.ReadResponse(1)).DefaultTimeout();
        Assert.Equal(StatusCode.Internal, response.GrpcStatus);

        raw.WriteHeaders(3, BulkServer.Digest, endStream: true);
        var next = await Task.Run(() => raw.ReadResponse(3)).DefaultTimeout();
        Assert.Equal(StatusCode.OK, next.GrpcStatus);
    }

    [Theory]
    [InlineData("GET", "application/grpc", StatusCode.Internal)]
    [InlineData("POST", "text/plain", StatusCode.Internal)]
    [InlineData("POST", "application/grpc+proto", StatusCode.OK)]
    public async Task RequestHeaders_MethodAndContentType_Checked(string method, string contentType, StatusCode expected)
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        var block = new List<byte>();
        HpackEncoder.WriteLiteral(":method", method, block);
        HpackEncoder.WriteIndexed(6, block);
        HpackEncoder.WriteLiteral(":path", BulkServer.Digest, block);
        HpackEncoder.WriteLiteral("content-type", contentType, block);
        raw.Write(Frame(FrameType.Headers, FrameFlags.EndHeaders | FrameFlags.EndStream, 1, [.. block]));

        var response = await Task.Run(() => raw.ReadResponse(1)).DefaultTimeout();

        Assert.Equal(expected, response.GrpcStatus);
    }

    [Theory]
    [InlineData("gzip", null, StatusCode.Unimplemented)]
    [InlineData(null, "1x", StatusCode.Internal)]
    [InlineData(null, "123456789S", StatusCode.Internal)]
    [InlineData("identity", "10S", StatusCode.OK)]
    public async Task EncodingAndTimeoutHeaders_Checked(string? encoding, string? timeout, StatusCode expected)
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        var extra = new List<(string, string)>();
        if (encoding is not null)
        {
            extra.Add(("grpc-encoding", encoding));
        }
        if (timeout is not null)
        {
            extra.Add(("grpc-timeout", timeout));
        }
        raw.WriteHeaders(1, BulkServer.Digest, endStream: true, [.. extra]);

        var response = await Task.Run(() => raw.ReadResponse(1)).DefaultTimeout();

        Assert.Equal(expected, response.GrpcStatus);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task MessageWithCompressedOrInvalidFlag_Internal(byte flag)
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        raw.WriteHeaders(1, BulkServer.Digest);
        var frame = RawH2Connection.MessageFrame(1, [1, 2, 3], endStream: true);
        frame[Http2Protocol.FrameHeaderSize] = flag;

        raw.Write(frame);

        var response = await Task.Run(() => raw.ReadResponse(1)).DefaultTimeout();
        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task RequestEndsInsideAMessage_Internal()
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        raw.WriteHeaders(1, BulkServer.Digest);
        // The prefix announces 100 bytes; 90 come.
        var payload = new byte[5 + 90];
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(1), 100);

        raw.Write(Frame(FrameType.Data, FrameFlags.None, 1, payload));
        raw.EndStream(1);

        var response = await Task.Run(() => raw.ReadResponse(1)).DefaultTimeout();
        Assert.Equal(StatusCode.Internal, response.GrpcStatus);
    }

    [Fact]
    public async Task ClientResetsItsStream_ThenOpensAnother_SecondIsServed()
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        raw.WriteHeaders(1, BulkServer.Hold);
        var held = await Server.NextHeldAsync();

        raw.Write(Frame(FrameType.RstStream, FrameFlags.None, 1, [0, 0, 0, 8]));
        Assert.Equal(StatusCode.Cancelled, (await held.Outcome.Task.DefaultTimeout())!.StatusCode);
        // Frames the client had in flight for the reset stream are dropped.
        raw.WriteMessage(1, [9, 9, 9], endStream: true);
        raw.WriteHeaders(3, BulkServer.Digest);
        raw.WriteMessage(3, [1], endStream: true);

        var response = await Task.Run(() => raw.ReadResponse(3)).DefaultTimeout();
        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal(BulkDigest.Of([[1]]), response.Data.Skip(5).ToArray());
    }

    [Fact]
    public async Task ClientGetsTrailersThatAreNoValidMetadata_CallFailsInternal()
    {
        // A server answering with a trailer our Metadata refuses (a non-ASCII value).
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using var call = StreamingClientCall.Start(new Uri($"http://127.0.0.1:{port}"), BulkServer.Digest);
        using var accepted = await listener.AcceptAsync().DefaultTimeout();
        var block = new List<byte>();
        HpackEncoder.WriteIndexed(8, block);
        HpackEncoder.WriteLiteral("content-type", "application/grpc", block);
        HpackEncoder.WriteLiteral("grpc-status", "0", block);
        HpackEncoder.WriteLiteral("x-bad", "caf\u00e9", block);

        accepted.Send(Frame(FrameType.Settings, FrameFlags.None, 0, []));
        accepted.Send(Frame(FrameType.Headers, FrameFlags.EndHeaders | FrameFlags.EndStream, 1, [.. block]));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task Fuzz_MutatedValidConnections_ServerSurvivesAndServes()
    {
        var frames = ValidConnection();
        var random = new Random(20_240_611);
        for (var i = 0; i < 400; i++)
        {
            var bytes = Mutate(frames, random);
            using var raw = RawH2Connection.Open(Server.Port);
            try
            {
                raw.Write(bytes);
                raw.ShutdownSend();
            }
            catch (SocketException)
            {
                // The server already hung up on what it read.
            }

            await Task.Run(raw.ExpectClosed).DefaultTimeout();
        }

        await AssertServerUnharmedAsync();
    }

    private async Task AssertServerUnharmedAsync()
    {
        await Server.AssertNoConnectionLeftAsync();
        await Server.AssertStillServingAsync();
    }

    // A complete, valid connection: two calls one after the other, with the frames a client may send between.
    private static List<byte[]> ValidConnection()
    {
        List<byte[]> frames =
        [
            [.. Http2Protocol.ClientPreface],
            Settings(SettingId.InitialWindowSize, 1 << 20),
            Frame(FrameType.Headers, FrameFlags.EndHeaders, 1, RawH2Connection.RequestBlock(BulkServer.Digest, ("x-text", "fuzz"), ("x-data-bin", "AAEC"))),
            RawH2Connection.MessageFrame(1, StreamingRoundTripTests.Bytes(300, seed: 1)),
            Frame(FrameType.Ping, FrameFlags.None, 0, new byte[8]),
            WindowUpdate(1000),
            RawH2Connection.MessageFrame(1, []),
            Frame(FrameType.Data, FrameFlags.EndStream, 1, []),
            Frame(FrameType.Settings, FrameFlags.Ack, 0, []),
            Frame(FrameType.Headers, FrameFlags.EndHeaders, 3, RawH2Connection.RequestBlock(BulkServer.Fail)),
            RawH2Connection.MessageFrame(3, [1, 2, 3], endStream: true),
            Frame(FrameType.Headers, FrameFlags.EndHeaders, 5, RawH2Connection.RequestBlock(BulkServer.Skip, ("grpc-timeout", "1S"))),
            RawH2Connection.MessageFrame(5, new byte[40]),
            Frame(FrameType.RstStream, FrameFlags.None, 5, [0, 0, 0, 8]),
            Frame(FrameType.GoAway, FrameFlags.None, 0, new byte[8]),
        ];
        return frames;
    }

    private static byte[] Mutate(List<byte[]> valid, Random random)
    {
        var frames = valid.Select(f => (byte[])f.Clone()).ToList();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var index = random.Next(frames.Count);
            var frame = frames[index];
            switch (random.Next(7))
            {
                case 0:
                    if (frame.Length > 0)
                    {
                        frame[random.Next(frame.Length)] = (byte)random.Next(256);
                    }
                    break;
                case 1:
                    // A flipped bit in a frame header: length, type, flags or stream.
                    if (frame.Length >= Http2Protocol.FrameHeaderSize && index > 0)
                    {
                        frame[random.Next(Http2Protocol.FrameHeaderSize)] ^= (byte)(1 << random.Next(8));
                    }
                    break;
                case 2:
                    frames[index] = frame[..random.Next(frame.Length + 1)];
                    break;
                case 3:
                    var payload = new byte[random.Next(0, 24)];
                    random.NextBytes(payload);
                    frames.Insert(1 + random.Next(frames.Count - 1), Frame((FrameType)random.Next(11), (FrameFlags)random.Next(256), random.Next(0, 8), payload));
                    break;
                case 4:
                    frames.Insert(index, (byte[])frame.Clone());
                    break;
                case 5:
                    if (index > 0)
                    {
                        frames.RemoveAt(index);
                    }
                    break;
                default:
                    var junk = new byte[random.Next(1, 16)];
                    random.NextBytes(junk);
                    frames.Insert(random.Next(frames.Count + 1), junk);
                    break;
            }
        }
        return [.. frames.SelectMany(f => f)];
    }

    private static uint Code(Http2ErrorCode code) => (uint)code;

    private static byte[] Frame(FrameType type, FrameFlags flags, int streamId, ReadOnlySpan<byte> payload) =>
        RawH2Connection.Frame(type, flags, streamId, payload);

    private static byte[] Header(int length, FrameType type, FrameFlags flags, int streamId)
    {
        var header = new byte[Http2Protocol.FrameHeaderSize];
        new FrameHeader(length, type, flags, streamId).Write(header);
        return header;
    }

    private static byte[] Settings(SettingId id, uint value)
    {
        var payload = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)id);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(2), value);
        return Frame(FrameType.Settings, FrameFlags.None, 0, payload);
    }

    private static byte[] WindowUpdate(uint increment)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, increment);
        return Frame(FrameType.WindowUpdate, FrameFlags.None, 0, payload);
    }
}
