using System.Net;
using System.Net.Sockets;
using Saol.Rpc.Http2;
using static Saol.Rpc.Tests.Http2.StreamingRoundTripTests;

namespace Saol.Rpc.Tests.Http2;

/// <summary>
/// Every way a <see cref="StreamingServer"/> call ends other than OK: the status reaches the
/// client, the handler's reads fail with the reason, and the server's connection threads end.
/// </summary>
public sealed class StreamingStatusTests : IAsyncLifetime
{
    private const string Token = "s3cret";

    private BulkServer? _server;

    private BulkServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await BulkServer.StartAsync(o =>
    {
        o.BearerToken = Token;
        o.MaxReceiveMessageSize = 1 << 20;
    });

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private static StreamingClientOptions Authorized => new() { BearerToken = Token };

    [Fact]
    public async Task UnknownMethod_Unimplemented()
    {
        using var call = StreamingClientCall.Start(Server.Address, "/saol.test.v1.Bulk/Nope", null, Authorized);

        var ex = await FailsAsync(call, [[1, 2, 3]]);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        await Server.AssertStillServingAsync(Authorized);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    [InlineData("s3cret ")]
    public async Task WrongOrMissingToken_Unauthenticated(string? token)
    {
        using var call = StreamingClientCall.Start(Server.Address, BulkServer.Digest, null, new StreamingClientOptions { BearerToken = token });

        var ex = await FailsAsync(call, [[1]]);

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        await Server.AssertStillServingAsync(Authorized);
    }

    [Fact]
    public async Task MessageOverMaxReceiveSize_ResourceExhausted()
    {
        using var call = StreamingClientCall.Start(Server.Address, BulkServer.Digest, null, Authorized);

        var ex = await FailsAsync(call, [new byte[1 << 20], new byte[(1 << 20) + 1], new byte[3 << 20]]);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        await Server.AssertStillServingAsync(Authorized);
    }

    [Fact]
    public async Task HandlerThrowsRpcException_StatusDetailAndTrailersReachTheClient()
    {
        using var call = StreamingClientCall.Start(Server.Address, BulkServer.Fail, new Metadata { { "x-fail-code", "9" } }, Authorized);

        var ex = await FailsAsync(call, [[1], Bytes(100_000, 1)]);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("bulk failure: jöb-42 % 100", ex.Status.Detail);
        Assert.Equal("because", ex.Trailers.GetValue("x-reason"));
        Assert.Equal(BulkServer.ReasonBytes, ex.Trailers.GetValueBytes("x-reason-bin"));
        Assert.Equal("because", call.ResponseTrailers.GetValue("x-reason"));
    }

    [Fact]
    public async Task HandlerFailsBeforeReading_WhileClientSendsMuchMore_ClientGetsTheStatus()
    {
        using var call = StreamingClientCall.Start(Server.Address, BulkServer.Fail, new Metadata { { "x-fail-code", "8" }, { "x-fail-early", "1" } }, Authorized);

        var ex = await FailsAsync(call, Enumerable.Repeat(new byte[1 << 20], 200).ToArray());

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("because", ex.Trailers.GetValue("x-reason"));
        await Server.AssertStillServingAsync(Authorized);
        await Server.AssertNoConnectionLeftAsync();
    }

    [Fact]
    public async Task HandlerThrowsOtherException_UnknownWithoutItsMessage()
    {
        using var call = StreamingClientCall.Start(Server.Address, BulkServer.Throw, null, Authorized);

        var ex = await FailsAsync(call, []);

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.DoesNotContain("secret", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrpcTimeoutExpires_ClientAndHandlerSeeDeadlineExceeded()
    {
        using var call = StreamingClientCall.Start(Server.Address, BulkServer.Hold, new Metadata { { "grpc-timeout", "200m" } }, Authorized);
        await Task.Run(() => call.WriteMessage([1], default)).DefaultTimeout();
        var held = await Server.NextHeldAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(StatusCode.DeadlineExceeded, (await held.Outcome.Task.DefaultTimeout())!.StatusCode);
        await Server.AssertNoConnectionLeftAsync();
    }

    [Fact]
    public async Task GrpcTimeoutExpires_ClientStaysConnectedAndSilent_HandlerReadStillEnds()
    {
        // A client that keeps its connection open and sends nothing (as a pooled HttpClient
        // connection does): the handler blocked in a read must still learn that its call ended.
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        raw.WriteHeaders(1, BulkServer.Hold, endStream: false, ("authorization", "Bearer " + Token), ("grpc-timeout", "100m"));
        var held = await Server.NextHeldAsync();

        var response = await Task.Run(() => raw.ReadResponse(1)).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, response.GrpcStatus);
        var pump = Task.Run(() => AnswerPings(raw));

        Assert.Equal(StatusCode.DeadlineExceeded, (await held.Outcome.Task.DefaultTimeout())!.StatusCode);
        raw.Dispose();
        await pump.DefaultTimeout();
        await Server.AssertNoConnectionLeftAsync();
    }

    [Fact]
    public async Task RpcChannelDeadline_HandlerWaitingForMessages_BothSidesEnd()
    {
        using var channel = RpcChannel.ForAddress(Server.Address, new RpcChannelOptions { BearerToken = Token });
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.ClientStreaming, "saol.test.v1.Bulk", "Hold", bytes, bytes);

        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddMilliseconds(300)));
        await call.RequestStream.WriteAsync([1, 2]).DefaultTimeout();
        var held = await Server.NextHeldAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        // Whichever deadline fired first (the server's grpc-timeout or the client's cancel) ended the handler's read.
        Assert.Contains((await held.Outcome.Task.DefaultTimeout())!.StatusCode, new[] { StatusCode.DeadlineExceeded, StatusCode.Cancelled });
    }

    [Fact]
    public async Task AbortFromAnotherThread_WhileClientKeepsSending_ClientFailsWithThatStatus()
    {
        using var call = StreamingClientCall.Start(Server.Address, BulkServer.Hold, null, Authorized);
        var message = new byte[256 * 1024];
        var sending = Task.Run(() =>
        {
            while (true)
            {
                call.WriteMessage(message, default);
            }
        });
        var held = await Server.NextHeldAsync();
        await held.WaitForMessageAsync();

        Assert.True(held.Call.Abort(new Status(StatusCode.Aborted, "stop now"), new Metadata { { "x-why", "test" } }));

        var writeError = await Assert.ThrowsAsync<RpcException>(() => sending).DefaultTimeout();
        Assert.Equal(StatusCode.Aborted, writeError.StatusCode);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("stop now", ex.Status.Detail);
        Assert.Equal("test", ex.Trailers.GetValue("x-why"));
        Assert.Equal(StatusCode.Aborted, (await held.Outcome.Task.DefaultTimeout())!.StatusCode);
        Assert.False(held.Call.Abort(new Status(StatusCode.Internal, "again")));
        await Server.AssertNoConnectionLeftAsync();
        await Server.AssertStillServingAsync(Authorized);
    }

    [Fact]
    public async Task ClientCancelsMidStream_HandlerReadThrowsCancelled_ServerGoesOn()
    {
        var call = StreamingClientCall.Start(Server.Address, BulkServer.Hold, null, Authorized);
        await Task.Run(() => call.WriteMessage(Bytes(100_000, 1), default)).DefaultTimeout();
        var held = await Server.NextHeldAsync();
        await held.WaitForMessageAsync();

        call.Cancel();

        Assert.Equal(StatusCode.Cancelled, (await held.Outcome.Task.DefaultTimeout())!.StatusCode);
        Assert.True(held.Call.CancellationToken.IsCancellationRequested);
        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout()).StatusCode);
        Assert.Equal(StatusCode.Cancelled, Assert.Throws<RpcException>(() => call.WriteMessage([1], default)).StatusCode);
        call.Dispose();
        await Server.AssertNoConnectionLeftAsync();
        await Server.AssertStillServingAsync(Authorized);
    }

    [Fact]
    public async Task ClientCancelsRightAfterStart_HandlerStillEnds()
    {
        // Cancel may come before the connection is up: the connection must not outlive the call.
        for (var i = 0; i < 20; i++)
        {
            using var call = StreamingClientCall.Start(Server.Address, BulkServer.Hold, null, Authorized);
            call.Cancel();
            await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        }

        await Server.AssertNoConnectionLeftAsync();
    }

    [Fact]
    public async Task ClientCancels_WhileItsWriteIsBlockedOnAServerThatDoesNotRead_CancelReturnsAndWriteFails()
    {
        // The handler waits without reading: the client's write fills the windows and the socket
        // buffers and blocks inside the kernel, holding the connection's write lock.
        // Its windows (1 GiB) are far larger than the socket buffers, so flow control never stops the writer first.
        var gate = new TaskCompletionSource();
        await using var server = await StartStallingServerAsync(gate.Task);
        try
        {
            using var call = StreamingClientCall.Start(server.LocalAddress, "/saol.test.v1.Bulk/Stall");
            var message = new byte[4 << 20];
            var sending = Task.Run(() =>
            {
                while (true)
                {
                    call.WriteMessage(message, default);
                }
            });
            await Task.Delay(300);

            await Task.Run(call.Cancel).DefaultTimeout();

            Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => sending).DefaultTimeout()).StatusCode);
        }
        finally
        {
            gate.SetResult();
        }
    }

    [Fact]
    public async Task ServerDisposedMidCall_ClientFailsUnavailable()
    {
        var server = await BulkServer.StartAsync();
        using var call = StreamingClientCall.Start(server.Address, BulkServer.Hold);
        await Task.Run(() => call.WriteMessage([1, 2, 3], default)).DefaultTimeout();
        var held = await server.NextHeldAsync();
        await held.WaitForMessageAsync();

        await server.DisposeAsync().AsTask().DefaultTimeout();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal(StatusCode.Unavailable, Assert.Throws<RpcException>(() => call.WriteMessage([4], default)).StatusCode);
        Assert.Equal(StatusCode.Unavailable, (await held.Outcome.Task.DefaultTimeout())!.StatusCode);
    }

    [Fact]
    public async Task ServerDisposed_WhileItsConnectionIsBlockedWritingToAClientThatDoesNotRead_DisposeCompletes()
    {
        var server = await BulkServer.StartAsync();
        using var raw = RawH2Connection.Open(server.Port, receiveBufferSize: 4096).Handshake();
        // A flood of PINGs whose answers are never read: the connection's thread blocks sending them.
        var ping = RawH2Connection.Frame(FrameType.Ping, FrameFlags.None, 0, new byte[8]);
        var flood = new byte[ping.Length * 4096];
        for (var i = 0; i < 4096; i++)
        {
            ping.CopyTo(flood, i * ping.Length);
        }
        var sending = Task.Run(() =>
        {
            try
            {
                while (true)
                {
                    raw.Write(flood);
                }
            }
            catch (SocketException)
            {
                // The server closed the connection.
            }
        });
        await Task.Delay(300);

        await server.DisposeAsync().AsTask().DefaultTimeout();

        raw.Dispose();
        await sending.DefaultTimeout();
    }

    [Fact]
    public async Task ClosedPort_UnavailableFromFirstWriteAndResponse()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        using var call = StreamingClientCall.Start(new Uri($"http://127.0.0.1:{port}"), BulkServer.Digest);

        var write = await Assert.ThrowsAsync<RpcException>(() => Task.Run(() => call.WriteMessage([1], default))).DefaultTimeout();
        var response = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Unavailable, write.StatusCode);
        Assert.Equal(StatusCode.Unavailable, response.StatusCode);
        Assert.Equal(StatusCode.Unavailable, Assert.Throws<RpcException>(call.CompleteRequest).StatusCode);
    }

    [Fact]
    public async Task SecondStreamOnOneConnection_RefusedStream_FirstCallCompletes()
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        var auth = ("authorization", "Bearer " + Token);
        raw.WriteHeaders(1, BulkServer.Digest, endStream: false, auth);
        raw.WriteMessage(1, [1, 2, 3]);
        raw.WriteHeaders(3, BulkServer.Digest, endStream: false, auth);

        var refused = await Task.Run(() => raw.ReadResponse(3)).DefaultTimeout();
        Assert.Equal(Http2ErrorCode.RefusedStream, refused.Reset);

        raw.WriteMessage(1, [4], endStream: true);
        var response = await Task.Run(() => raw.ReadResponse(1)).DefaultTimeout();
        Assert.Equal(StatusCode.OK, response.GrpcStatus);
        Assert.Equal("200", response[":status"]);
        Assert.Equal(BulkDigest.Of([[1, 2, 3], [4]]), response.Data.Skip(5).ToArray());
    }

    [Fact]
    public async Task SecondCallOnOneConnection_AfterTheFirstEnded_IsServed()
    {
        using var raw = RawH2Connection.Open(Server.Port).Handshake();
        var auth = ("authorization", "Bearer " + Token);
        for (var stream = 1; stream <= 7; stream += 2)
        {
            raw.WriteHeaders(stream, BulkServer.Digest, endStream: false, auth);
            raw.WriteMessage(stream, [(byte)stream], endStream: true);

            var response = await Task.Run(() => raw.ReadResponse(stream)).DefaultTimeout();

            Assert.Equal(StatusCode.OK, response.GrpcStatus);
            Assert.Equal(BulkDigest.Of([[(byte)stream]]), response.Data.Skip(5).ToArray());
        }
    }

    private static async Task<StreamingServer> StartStallingServerAsync(Task gate)
    {
        var server = new StreamingServer(new StreamingServerOptions { ListenAddress = IPAddress.Loopback, InitialStreamWindowSize = 1 << 30, ConnectionWindowSize = 1 << 30 });
        server.Map("/saol.test.v1.Bulk/Stall", call =>
        {
            gate.Wait();
            return [];
        });
        await server.StartAsync().DefaultTimeout();
        return server;
    }

    /// <summary>Writes the messages and completes; the call must fail, and a failed write with the call's status.</summary>
    internal static async Task<RpcException> FailsAsync(StreamingClientCall call, byte[][] messages)
    {
        // Writes may fail once the server has answered: then with the server's status.
        var writer = BulkServer.SendAllAsync(call, messages);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        try
        {
            await writer.DefaultTimeout();
        }
        catch (RpcException writeError)
        {
            Assert.Equal(ex.StatusCode, writeError.StatusCode);
        }
        return ex;
    }

    private static void AnswerPings(RawH2Connection raw)
    {
        try
        {
            while (raw.ReadFrame() is var (header, payload))
            {
                if (header.Type == FrameType.Ping && !header.Has(FrameFlags.Ack))
                {
                    raw.WriteFrame(FrameType.Ping, FrameFlags.Ack, 0, payload);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
