using Google.Protobuf;
using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>The four call shapes, metadata and status between our client and our server; run over h2c and TLS.</summary>
public abstract class CallShapeTests : IAsyncLifetime
{
    private readonly bool _tls;
    private TestServer? _server;

    protected CallShapeTests(bool tls)
    {
        _tls = tls;
    }

    private TestServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(_tls);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Unary_Request_EchoesTextAndPayload()
    {
        var client = Server.Client();
        var request = EchoService.WithPayload("hello", 1000);

        var reply = await client.UnaryAsync(request).ResponseAsync.DefaultTimeout();

        Assert.Equal("hello", reply.Text);
        Assert.Equal(request.Payload, reply.Payload);
    }

    [Fact]
    public async Task Unary_ManyConcurrentCalls_EachGetsItsOwnReply()
    {
        var client = Server.Client();

        var replies = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => client.UnaryAsync(new EchoRequest { Text = $"m{i}" }).ResponseAsync)).DefaultTimeout();

        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"m{i}"), replies.Select(r => r.Text));
    }

    [Fact]
    public void BlockingUnary_Request_ReturnsReply()
    {
        var client = Server.Client();

        var reply = client.Unary(new EchoRequest { Text = "sync" });

        Assert.Equal("sync", reply.Text);
    }

    [Fact]
    public async Task ServerStream_CountFive_ReceivesFiveRepliesInOrderThenOk()
    {
        var client = Server.Client();
        using var call = client.ServerStream(new EchoRequest { Text = "s", Count = 5 });

        var replies = new List<EchoReply>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync().WithCancellation(CancellationToken.None))
        {
            replies.Add(reply);
        }

        Assert.Equal([0, 1, 2, 3, 4], replies.Select(r => r.Index));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("done", call.GetTrailers().GetValue("x-trailer"));
    }

    [Fact]
    public async Task ClientStream_ThreeRequests_ServerSeesAllInOrder()
    {
        var reply = await EchoService.ClientStreamAbcAsync(Server.Client());

        Assert.Equal("a,b,c", reply.Text);
        Assert.Equal(3, reply.Index);
        Assert.Equal(300_010, reply.TotalBytes);
    }

    [Fact]
    public async Task ClientStream_NoRequests_ServerAnswersEmpty()
    {
        using var call = Server.Client().ClientStream();

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var reply = await call.ResponseAsync.DefaultTimeout();

        Assert.Equal(0, reply.Index);
    }

    [Fact]
    public async Task Duplex_InterleavedWritesAndReads_EachRequestAnsweredBeforeTheNextIsSent()
    {
        using var call = Server.Client().Duplex();

        for (var i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(EchoService.WithPayload($"d{i}", i * 1000)).DefaultTimeout();
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
            Assert.Equal($"d{i}", call.ResponseStream.Current.Text);
            Assert.Equal(i, call.ResponseStream.Current.Index);
            Assert.Equal(i * 1000, call.ResponseStream.Current.Payload.Length);
        }
        await call.RequestStream.CompleteAsync().DefaultTimeout();

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Duplex_LargeMessagesBothWays_ArriveIntact()
    {
        using var call = Server.Client(o => o.MaxReceiveMessageSize = 8 << 20).Duplex();
        var request = EchoService.WithPayload("big", 3 << 20);

        var reading = Task.Run(async () =>
        {
            var sizes = new List<int>();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                Assert.Equal(request.Payload, call.ResponseStream.Current.Payload);
                sizes.Add(call.ResponseStream.Current.Payload.Length);
            }
            return sizes;
        });
        for (var i = 0; i < 4; i++)
        {
            await call.RequestStream.WriteAsync(request).DefaultTimeout();
        }
        await call.RequestStream.CompleteAsync().DefaultTimeout();

        Assert.Equal([3 << 20, 3 << 20, 3 << 20, 3 << 20], await reading.DefaultTimeout());
    }

    [Fact]
    public async Task Metadata_TextAndBinaryHeaders_EchoedAsResponseHeadersAndTrailersArrive()
    {
        var binary = new byte[] { 0, 255, 1, 254, 7 };
        var headers = new Metadata { { "x-text", "value 1" }, { "x-data-bin", binary } };
        using var call = Server.Client().UnaryAsync(new EchoRequest { Text = "md" }, headers);

        var responseHeaders = await call.ResponseHeadersAsync.DefaultTimeout();
        await call.ResponseAsync.DefaultTimeout();

        Assert.Equal("value 1", responseHeaders.GetValue("x-text"));
        Assert.Equal(binary, responseHeaders.GetValueBytes("x-data-bin"));
        Assert.Equal("done", call.GetTrailers().GetValue("x-trailer"));
        Assert.Equal(EchoService.TrailerBytes, call.GetTrailers().GetValueBytes("x-trailer-bin"));
    }

    [Fact]
    public async Task Unary_HandlerThrowsRpcException_ClientGetsStatusMessageAndTrailers()
    {
        const string Detail = "no such job: jöb-42 % 100";

        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client().UnaryAsync(new EchoRequest { Text = Detail, FailCode = (int)StatusCode.NotFound }).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal(Detail, ex.Status.Detail);
        Assert.Equal("from-handler", ex.Trailers.GetValue("x-error-detail"));
    }

    [Fact]
    public async Task ServerStream_HandlerFailsBeforeFirstReply_MoveNextThrowsWithStatus()
    {
        using var call = Server.Client().ServerStream(new EchoRequest { Text = "bad arg", Count = 3, FailCode = (int)StatusCode.InvalidArgument });

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None)).DefaultTimeout();

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("bad arg", ex.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Unary_HandlerThrowsOtherException_ClientGetsUnknownWithoutTheDetail()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client().UnaryAsync(new EchoRequest { Text = "throw" }).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.DoesNotContain("secret", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientStream_RefusedAtOnceWithRequestStreamLeftOpen_LaterCallsOnTheChannelComplete()
    {
        var client = Server.Client();
        var refuse = new Metadata { { EchoService.RefuseHeader, "1" } };

        // Each refused call's request stream is left open (never completed), as a ring link's is.
        for (var i = 0; i < 3; i++)
        {
            using var refused = client.ClientStream(refuse);
            var ex = await Assert.ThrowsAsync<RpcException>(() => refused.ResponseAsync).DefaultTimeout();
            Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        }
        var reply = await EchoService.ClientStreamAbcAsync(client).DefaultTimeout();

        Assert.Equal("a,b,c", reply.Text);
    }

    [Fact]
    public async Task ClientStream_RefusedAtOnceThenWrittenTo_WriteFailsWithTheStatus()
    {
        var client = Server.Client();
        using var refused = client.ClientStream(new Metadata { { EchoService.RefuseHeader, "1" } });
        await Assert.ThrowsAsync<RpcException>(() => refused.ResponseAsync).DefaultTimeout();

        var ex = await Assert.ThrowsAsync<RpcException>(() => refused.RequestStream.WriteAsync(new EchoRequest { Text = "late" })).DefaultTimeout();

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_PayloadWrappedWithoutCopy_ArrivesIntact()
    {
        var buffer = new byte[2 << 20];
        new Random(7).NextBytes(buffer);
        var request = new EchoRequest { Text = "zero-copy", Payload = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(1000, 1 << 20)) };

        var reply = await Server.Client().UnaryAsync(request).ResponseAsync.DefaultTimeout();

        Assert.True(reply.Payload.Span.SequenceEqual(buffer.AsSpan(1000, 1 << 20)));
    }
}

public sealed class CallShapeTestsOverH2c() : CallShapeTests(tls: false);

public sealed class CallShapeTestsOverTls() : CallShapeTests(tls: true);
