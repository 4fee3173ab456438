using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Saol.Collective.Internal.Peer;
using Saol.Protos.V1;
using Saol.Rpc;
using Saol.Rpc.Http2;
using Saol.TestKit;
using Xunit;

namespace Saol.Collective.Tests.Peer;

/// <summary>
/// <see cref="RingWire"/> against the generated <see cref="RingSegment"/> code: what it writes
/// parses as the full message, and what it reads (through a real <see cref="StreamingServer"/> call)
/// matches the generated parser for any field order, or fails with <see cref="InvalidDataException"/>.
/// </summary>
public sealed class RingWireTests : IAsyncLifetime
{
    private const string Method = "/saol.test.v1.RingWire/Read";

    private readonly ConcurrentQueue<object> _read = new();
    private StreamingServer? _server;

    public async ValueTask InitializeAsync()
    {
        _server = new StreamingServer(new StreamingServerOptions { ListenAddress = IPAddress.Loopback });
        _server.Map(Method, ReadAll);
        await _server.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public void Method_IsWorkerPeerRingLink() => Assert.Equal("/saol.v1.WorkerPeer/RingLink", RingWire.Method);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16_384)]
    [InlineData(1 << 20)]
    public void Head_FollowedByPayload_ParsesAsTheFullMessage(int payloadLength)
    {
        foreach (var header in new[] { Header(), new RingSegment() })
        {
            var payload = Bytes(payloadLength, payloadLength);

            var head = RingWire.Head(header, payloadLength);
            var parsed = RingSegment.Parser.ParseFrom([.. head, .. payload]);

            var expected = header.Clone();
            expected.Payload = ByteString.CopyFrom(payload);
            Assert.Equal(expected, parsed);
        }
    }

    [Fact]
    public void Head_OfAnAbort_ParsesAsTheAbort()
    {
        var abort = new RingSegment { JobId = "job", Generation = 3, SenderRank = 1, Abort = new RingAbort { Reason = "rank 2 died", FailedPeerRank = 2, FailedPeerAddress = "http://10.0.0.2:5000" } };

        Assert.Equal(abort, RingSegment.Parser.ParseFrom(RingWire.Head(abort, 0)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100_000)]
    [InlineData(5 << 20)]
    public async Task Read_GeneratedEncoding_PayloadLast_HeaderAndPayloadMatch(int payloadLength)
    {
        var message = Header();
        message.Payload = ByteString.CopyFrom(Bytes(payloadLength, 3));

        var (header, payload) = Assert.Single(await ReadAsync(message.ToByteArray()));

        AssertReadAs(message, header, payload);
    }

    [Fact]
    public async Task Read_HeadThenPayload_AsGrpcRingLinkWritesIt()
    {
        var payload = Bytes(70_000, 4);
        var message = Header();
        message.Payload = ByteString.CopyFrom(payload);

        var (header, read) = Assert.Single(await ReadAsync([.. RingWire.Head(Header(), payload.Length), .. payload]));

        AssertReadAs(message, header, read);
    }

    [Fact]
    public async Task Read_PayloadFirst_SameAsGeneratedParser()
    {
        byte[] bytes = [.. PayloadField(Bytes(1000, 5)), .. Header().ToByteArray()];

        var (header, payload) = Assert.Single(await ReadAsync(bytes));

        AssertReadAs(RingSegment.Parser.ParseFrom(bytes), header, payload);
    }

    [Fact]
    public async Task Read_PayloadRepeated_LastOneWinsAsInTheGeneratedParser()
    {
        var last = Bytes(3000, 7);
        byte[] bytes = [.. PayloadField(Bytes(2000, 6)), .. Header().ToByteArray(), .. PayloadField(last), .. PayloadField([]), .. PayloadField(last)];

        var (header, payload) = Assert.Single(await ReadAsync(bytes));

        AssertReadAs(RingSegment.Parser.ParseFrom(bytes), header, payload);
        Assert.Equal(last, payload);
    }

    [Fact]
    public async Task Read_PayloadAbsent_NullPayloadAndTheHeader()
    {
        var (header, payload) = Assert.Single(await ReadAsync(Header().ToByteArray()));

        Assert.Null(payload);
        Assert.Equal(Header(), header);
    }

    [Fact]
    public async Task Read_EmptyMessage_DefaultHeaderNoPayload()
    {
        var (header, payload) = Assert.Single(await ReadAsync([[]]));

        Assert.Null(payload);
        Assert.Equal(new RingSegment(), header);
    }

    [Fact]
    public async Task Read_UnknownFieldsOfEveryWireType_KeptAsTheGeneratedParserKeepsThem()
    {
        var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(99, Google.Protobuf.WireFormat.WireType.Varint);
        output.WriteUInt64(ulong.MaxValue);
        output.WriteTag(100, Google.Protobuf.WireFormat.WireType.Fixed64);
        output.WriteFixed64(0x0102030405060708);
        output.WriteTag(101, Google.Protobuf.WireFormat.WireType.Fixed32);
        output.WriteFixed32(0x01020304);
        output.WriteTag(102, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFromUtf8("unknown"));
        // The payload's field number with another wire type is an unknown field too, not a payload.
        output.WriteTag(RingSegment.PayloadFieldNumber, Google.Protobuf.WireFormat.WireType.Varint);
        output.WriteUInt32(5);
        output.Flush();
        byte[] bytes = [.. Header().ToByteArray(), .. stream.ToArray(), .. PayloadField([1, 2, 3])];

        var (header, payload) = Assert.Single(await ReadAsync(bytes));

        AssertReadAs(RingSegment.Parser.ParseFrom(bytes), header, payload);
    }

    [Fact]
    public async Task Read_SeveralMessagesOnOneCall_EachReadApart()
    {
        var messages = Enumerable.Range(0, 50).Select(i =>
        {
            var message = Header();
            message.Segment = i;
            message.Payload = ByteString.CopyFrom(Bytes(i * 997, i));
            return message;
        }).ToArray();

        var read = await ReadAsync([.. messages.Select(m => m.ToByteArray())]);

        Assert.Equal(messages.Length, read.Count);
        for (var i = 0; i < messages.Length; i++)
        {
            AssertReadAs(messages[i], read[i].Header, read[i].Payload);
        }
    }

    public static TheoryData<string, byte[]> Malformed() => new()
    {
        { "truncated varint", [0x08, 0x80] },
        { "truncated tag", [0x80] },
        { "varint of 11 bytes", [0x08, .. Enumerable.Repeat((byte)0x80, 10), 0x01] },
        { "string past the end", [0x0A, 0x05, (byte)'a'] },
        { "payload past the end", [0x5A, 0x10, 1, 2] },
        { "payload length truncated", [0x5A, 0x80] },
        { "fixed64 truncated", [0x09, 1, 2, 3] },
        { "fixed32 truncated", [0x0D, 1] },
        { "start group", [0x0B, 0x0C] },
        { "end group", [0x0C] },
        { "wire type 6", [0x0E, 0x00] },
        { "wire type 7", [0x0F, 0x00] },
        { "field number 0", [0x00, 0x01] },
        { "abort past its end", [0x62, 0x03, 0x0A, 0x05, (byte)'x'] },
        { "70 KB of job_id", [0x0A, 0xF0, 0xA2, 0x04, .. new byte[70_000]] },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Read_MalformedMessage_InvalidDataException(string what, byte[] bytes)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(bytes));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.True(_read.Single() is InvalidDataException, what);
    }

    [Fact]
    public async Task Read_EveryTruncationOfAMessage_AgreesWithTheGeneratedParser()
    {
        var message = Header();
        message.Payload = ByteString.CopyFrom(Bytes(300, 9));
        message.Abort = new RingAbort { Reason = "why", FailedPeerRank = 1 };
        var bytes = message.ToByteArray();

        for (var length = 0; length < bytes.Length; length++)
        {
            if (length is > 40 and < 330)
            {
                continue; // Inside the payload every cut is alike.
            }
            var truncated = bytes[..length];
            RingSegment? expected;
            try
            {
                // A cut at a field boundary is a valid, shorter message.
                expected = RingSegment.Parser.ParseFrom(truncated);
            }
            catch (InvalidProtocolBufferException)
            {
                expected = null;
            }

            if (expected is not null)
            {
                var (header, payload) = Assert.Single(await ReadAsync(truncated));
                AssertReadAs(expected, header, payload);
            }
            else
            {
                var ex = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(truncated));
                Assert.True(_read.Single() is InvalidDataException, $"{length} bytes: {_read.Single()}");
                Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            }
        }
    }

    private static RingSegment Header() => new()
    {
        JobId = "job-ω-1",
        Generation = 1L << 40,
        SenderRank = 3,
        Collective = 77,
        Phase = RingPhase.AllGather,
        Step = 2,
        Chunk = 1,
        Segment = 9,
        WireDtype = WireDtype.Bfloat16,
        TotalElements = 123_456,
    };

    private static byte[] PayloadField(byte[] payload)
    {
        var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(RingSegment.PayloadFieldNumber, Google.Protobuf.WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(payload));
        output.Flush();
        return stream.ToArray();
    }

    private static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void AssertReadAs(RingSegment expected, RingSegment header, byte[]? payload)
    {
        var full = header.Clone();
        full.Payload = payload is null ? ByteString.Empty : ByteString.CopyFrom(payload);
        Assert.Equal(expected, full);
        Assert.True(header.Payload.IsEmpty);
    }

    // Sends the messages on one call; each message's read (or its failure) is recorded in order.
    private async Task<List<(RingSegment Header, byte[]? Payload)>> ReadAsync(params byte[][] messages)
    {
        _read.Clear();
        using var call = StreamingClientCall.Start(_server!.LocalAddress, Method);
        var writes = Task.Run(() =>
        {
            foreach (var message in messages)
            {
                call.WriteMessage(message, default);
            }
            call.CompleteRequest();
        });
        try
        {
            await call.ResponseAsync.DefaultTimeout();
        }
        finally
        {
            await Task.WhenAny(writes).DefaultTimeout();
        }
        return [.. _read.Cast<(RingSegment, byte[]?)>()];
    }

    private byte[] ReadAll(StreamingServerCall call)
    {
        while (call.ReadMessageStart(out var length))
        {
            try
            {
                var (header, payload) = RingWire.Read(call, length);
                using (payload)
                {
                    _read.Enqueue((header, payload?.Memory.ToArray()));
                }
            }
            catch (InvalidDataException ex)
            {
                _read.Enqueue(ex);
                throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
            }
        }
        return [];
    }
}
