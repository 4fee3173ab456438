using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>Bearer-token check, message size limits and option validation.</summary>
public sealed class AuthAndLimitsTests
{
    [Fact]
    public async Task BearerToken_Matching_CallSucceeds()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.BearerToken = "s3cret");

        var reply = await server.Client(o => o.BearerToken = "s3cret").UnaryAsync(new EchoRequest { Text = "in" }).ResponseAsync.DefaultTimeout();

        Assert.Equal("in", reply.Text);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task BearerToken_MissingOrWrong_Unauthenticated(string? token)
    {
        await using var server = await TestServer.StartAsync(configure: o => o.BearerToken = "s3cret");

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client(o => o.BearerToken = token).UnaryAsync(new EchoRequest()).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task BearerToken_MissingOnUnknownMethod_UnauthenticatedNotUnimplemented()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.BearerToken = "s3cret");
        var marshaller = Marshallers.Create<EchoRequest>(r => Google.Protobuf.MessageExtensions.ToByteArray(r), EchoRequest.Parser.ParseFrom);
        var method = new Method<EchoRequest, EchoRequest>(MethodType.Unary, "saol.test.v1.Hidden", "Probe", marshaller, marshaller);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Channel().CreateCallInvoker().AsyncUnaryCall(method, null, default, new EchoRequest()).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task ServerMaxReceive_RequestTooLarge_ResourceExhaustedAndServerKeepsServing()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.MaxReceiveMessageSize = 64 * 1024);
        var client = server.Client();

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(EchoService.WithPayload("big", 100_000)).ResponseAsync).DefaultTimeout();
        var after = await client.UnaryAsync(EchoService.WithPayload("small", 1000)).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("small", after.Text);
    }

    [Fact]
    public async Task ServerMaxSend_ReplyTooLarge_ResourceExhausted()
    {
        await using var server = await TestServer.StartAsync(configure: o => o.MaxSendMessageSize = 64 * 1024);

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client().UnaryAsync(EchoService.WithPayload("big", 100_000)).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ClientMaxSend_RequestTooLarge_ResourceExhaustedBeforeSending()
    {
        await using var server = await TestServer.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client(o => o.MaxSendMessageSize = 1000).UnaryAsync(EchoService.WithPayload("big", 2000)).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("Sending message exceeds", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientMaxReceive_ReplyTooLarge_ResourceExhausted()
    {
        await using var server = await TestServer.StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client(o => o.MaxReceiveMessageSize = 1000).UnaryAsync(EchoService.WithPayload("big", 2000)).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("Received message exceeds", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Channel_NothingListening_Unavailable()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var channel = RpcChannel.ForAddress($"http://127.0.0.1:{port}");

        var ex = await Assert.ThrowsAsync<RpcException>(() => new Echo.EchoClient(channel).UnaryAsync(new EchoRequest()).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task ServerOptions_Invalid_StartThrowsNamingTheSetting()
    {
        await using var server = new RpcServer(new RpcServerOptions { InitialStreamWindowSize = 10 });

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => server.StartAsync()).DefaultTimeout();

        Assert.Equal("InitialStreamWindowSize", ex.ParamName);
    }

    [Fact]
    public void ChannelOptions_Invalid_ForAddressThrowsNamingTheSetting()
    {
        var ex = Assert.Throws<ArgumentException>(() => RpcChannel.ForAddress("http://127.0.0.1:1", new RpcChannelOptions { MaxReceiveMessageSize = -1 }));

        Assert.Equal("MaxReceiveMessageSize", ex.ParamName);
    }

    [Fact]
    public void Channel_NonHttpAddress_Throws()
    {
        Assert.Throws<ArgumentException>(() => RpcChannel.ForAddress("ftp://127.0.0.1:1"));
    }
}
