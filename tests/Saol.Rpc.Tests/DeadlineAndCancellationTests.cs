using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>Deadlines and cancellation propagate both ways between our client and our server.</summary>
public sealed class DeadlineAndCancellationTests : IAsyncLifetime
{
    private TestServer? _server;

    private TestServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Unary_DeadlineShorterThanHandler_ClientGetsDeadlineExceededAndServerTokenFires()
    {
        var call = Server.Client().UnaryAsync(new EchoRequest { Text = "slow-unary", DelayMs = 60_000 }, deadline: DateTime.UtcNow.AddMilliseconds(300));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal("deadline", await Server.Echo.EndingOf("slow-unary").DefaultTimeout());
    }

    [Fact]
    public async Task ServerStream_DeadlineMidStream_RepliesBeforeItArriveThenDeadlineExceeded()
    {
        using var call = Server.Client().ServerStream(new EchoRequest { Text = "slow-stream", Count = 1000, DelayMs = 50 }, deadline: DateTime.UtcNow.AddSeconds(3));

        var received = 0;
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                received++;
            }
        }).DefaultTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.InRange(received, 1, 999);
        Assert.Equal("deadline", await Server.Echo.EndingOf("slow-stream").DefaultTimeout());
    }

    [Fact]
    public async Task Unary_DeadlineAlreadyPassed_FailsWithoutCallingTheServer()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Server.Client().UnaryAsync(new EchoRequest { Text = "late" }, deadline: DateTime.UtcNow.AddSeconds(-1)).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ClientCancels_ClientGetsCancelledAndServerTokenFires()
    {
        using var cts = new CancellationTokenSource();
        var call = Server.Client().UnaryAsync(new EchoRequest { Text = "cancel-unary", DelayMs = 60_000 }, cancellationToken: cts.Token);
        await Server.Echo.WaitingOf("cancel-unary").DefaultTimeout();

        await cts.CancelAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal("cancelled", await Server.Echo.EndingOf("cancel-unary").DefaultTimeout());
    }

    [Fact]
    public async Task Duplex_ClientDisposesMidStream_ServerTokenFires()
    {
        var call = Server.Client().Duplex();
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "first" }).DefaultTimeout();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());

        await call.RequestStream.WriteAsync(new EchoRequest { Text = "dispose-duplex", DelayMs = 60_000 }).DefaultTimeout();
        await Server.Echo.WaitingOf("dispose-duplex").DefaultTimeout();
        call.Dispose();

        Assert.Equal("cancelled", await Server.Echo.EndingOf("dispose-duplex").DefaultTimeout());
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None)).DefaultTimeout();
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
    }

    [Fact]
    public async Task ClientStream_ServerFailsEarly_WriteAfterwardsThrowsTheServersStatus()
    {
        using var call = Server.Client().ClientStream();
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "refused", FailCode = (int)StatusCode.PermissionDenied }).DefaultTimeout();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        var writeEx = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest { Text = "more" })).DefaultTimeout();

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, writeEx.StatusCode);
    }

    [Fact]
    public async Task Unary_DeadlineYearsAway_LongerThanAnyTimer_Succeeds()
    {
        var reply = await Server.Client().UnaryAsync(new EchoRequest { Text = "far" }, deadline: DateTime.UtcNow.AddYears(5)).ResponseAsync.DefaultTimeout();

        Assert.Equal("far", reply.Text);
    }

    [Fact]
    public async Task Deadline_SentByClient_ServerContextSeesIt()
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        var seen = new TaskCompletionSource<DateTime>();
        await using var server = new RpcServer(new RpcServerOptions { ListenAddress = System.Net.IPAddress.Loopback });
        server.AddService(Echo.BindService(new DeadlineProbe(seen)));
        await server.StartAsync().DefaultTimeout();
        using var channel = RpcChannel.ForAddress(server.LocalAddress);

        await new Echo.EchoClient(channel).UnaryAsync(new EchoRequest(), deadline: deadline).ResponseAsync.DefaultTimeout();

        var serverDeadline = await seen.Task.DefaultTimeout();
        Assert.InRange(serverDeadline, deadline.AddSeconds(-30), deadline.AddSeconds(1));
    }

    private sealed class DeadlineProbe(TaskCompletionSource<DateTime> seen) : Echo.EchoBase
    {
        public override Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
        {
            seen.TrySetResult(context.Deadline);
            return Task.FromResult(new EchoReply());
        }
    }
}
