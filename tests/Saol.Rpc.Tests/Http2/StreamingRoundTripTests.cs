using System.Buffers.Binary;
using Saol.Rpc.Http2;

namespace Saol.Rpc.Tests.Http2;

/// <summary>
/// <see cref="StreamingClientCall"/> to <see cref="StreamingServer"/> over loopback: messages of
/// every awkward size arrive byte for byte (split into frames, through spent flow-control windows),
/// whatever the head/body split; and our HttpClient-based <see cref="RpcChannel"/> calls the server too.
/// </summary>
public sealed class StreamingRoundTripTests : IAsyncLifetime
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

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16_383)]
    [InlineData(16_384)]
    [InlineData(16_385)]
    [InlineData(1 << 20)]
    [InlineData(5 << 20)]
    public async Task OneMessage_OfSize_ArrivesByteForByte(int size)
    {
        var message = Bytes(size, seed: size);

        var response = await CallAsync(BulkServer.Digest, [message]);

        Assert.Equal(BulkDigest.Of([message]), response);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(16_379)]
    [InlineData(2_621_443)]
    [InlineData(5_242_885)]
    public async Task HeadAndBody_SplitAnywhere_ArriveAsOneMessage(int split)
    {
        var message = Bytes(5_242_885, seed: 7);
        using var call = StreamingClientCall.Start(Server.Address, BulkServer.Digest);

        await Task.Run(() =>
        {
            call.WriteMessage(message.AsSpan(0, split), message.AsSpan(split));
            call.WriteMessage(message.AsSpan(split), message.AsSpan(0, split));
            call.CompleteRequest();
        }).DefaultTimeout();

        byte[] swapped = [.. message.AsSpan(split), .. message.AsSpan(0, split)];
        Assert.Equal(BulkDigest.Of([message, swapped]), await call.ResponseAsync.DefaultTimeout());
    }

    [Fact]
    public async Task ManyMessages_SmallAndLarge_AllArriveInOrder()
    {
        var messages = Enumerable.Range(0, 3000).Select(i => Bytes(i % 10 == 9 ? 100_000 + i : i % 700, seed: i)).ToArray();

        var response = await CallAsync(BulkServer.Digest, messages);

        Assert.Equal(BulkDigest.Of(messages), response);
    }

    [Fact]
    public async Task ManyLargeMessages_MoreThanEveryWindow_FlowControlCarriesThemAll()
    {
        // 48 MiB: more than the server's stream window (32 MiB) and the default 64 KiB windows many times over.
        var message = Bytes(3 << 20, seed: 3);
        var messages = Enumerable.Repeat(message, 16).ToArray();

        var response = await CallAsync(BulkServer.Skip, messages);

        Assert.Equal(16, BinaryPrimitives.ReadInt64BigEndian(response));
        Assert.Equal(16L * message.Length, BinaryPrimitives.ReadInt64BigEndian(response.AsSpan(8)));
    }

    [Fact]
    public async Task SmallWindows_ServerAdvertisesMinimumWindows_BigMessagesStillArrive()
    {
        await using var small = await BulkServer.StartAsync(o =>
        {
            o.InitialStreamWindowSize = 65_535;
            o.ConnectionWindowSize = 65_535;
            o.MaxFrameSize = 16_384;
        });
        byte[][] messages = [Bytes(5 << 20, seed: 1), [], Bytes(70_000, seed: 2)];
        using var call = StreamingClientCall.Start(small.Address, BulkServer.Digest);

        await BulkServer.SendAllAsync(call, messages).DefaultTimeout();

        Assert.Equal(BulkDigest.Of(messages), await call.ResponseAsync.DefaultTimeout());
    }

    [Fact]
    public async Task EmptyRequestStream_CompleteAtOnce_ZeroMessagesDigest()
    {
        var response = await CallAsync(BulkServer.Digest, []);

        Assert.Equal(BulkDigest.Of([]), response);
    }

    [Fact]
    public async Task Metadata_TextAndBinary_ReachTheHandler()
    {
        byte[] binary = [0, 255, 10, 13, 58];
        using var call = StreamingClientCall.Start(Server.Address, BulkServer.Digest,
            new Metadata { { "x-scenario", "metadata" }, { "x-text", "hello there" }, { "x-data-bin", binary } });

        await Task.Run(call.CompleteRequest).DefaultTimeout();
        await call.ResponseAsync.DefaultTimeout();

        var headers = Server.HeadersByScenario["metadata"];
        Assert.Equal("hello there", headers.GetValue("x-text"));
        Assert.Equal(binary, headers.GetValueBytes("x-data-bin"));
        Assert.Null(headers.GetValue("content-type"));
    }

    [Fact]
    public async Task Metadata_LargerThanOneFrame_ArrivesThroughContinuationFrames()
    {
        // 150 KB of headers: several CONTINUATION frames, within the advertised SETTINGS_MAX_HEADER_LIST_SIZE (256 KiB).
        var big = new string('v', 150_000);
        using var call = StreamingClientCall.Start(Server.Address, BulkServer.Digest, new Metadata { { "x-scenario", "big-metadata" }, { "x-big", big } });

        await Task.Run(call.CompleteRequest).DefaultTimeout();
        await call.ResponseAsync.DefaultTimeout();

        Assert.Equal(big, Server.HeadersByScenario["big-metadata"].GetValue("x-big"));
    }

    [Fact]
    public async Task ManyCalls_OneAfterAnother_ServerEndsEachConnection()
    {
        for (var i = 0; i < 50; i++)
        {
            byte[] message = [(byte)i];
            Assert.Equal(BulkDigest.Of([message]), await CallAsync(BulkServer.Digest, [message]));
        }

        await Server.AssertNoConnectionLeftAsync();
    }

    [Fact]
    public async Task ConcurrentCalls_EachOnItsOwnConnection_AllSucceed()
    {
        var calls = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var messages = Enumerable.Range(0, 20).Select(j => Bytes(50_000 * j, seed: i * 100 + j)).ToArray();
            Assert.Equal(BulkDigest.Of(messages), await CallAsync(BulkServer.Digest, messages));
        }));

        await Task.WhenAll(calls).DefaultTimeout();
    }

    [Fact]
    public async Task RpcChannel_ClientStreamingCallWithRawBytes_ServedByStreamingServer()
    {
        using var channel = RpcChannel.ForAddress(Server.Address, new RpcChannelOptions { MaxReceiveMessageSize = 1 << 20 });
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.ClientStreaming, "saol.test.v1.Bulk", "Digest", bytes, bytes);
        byte[][] messages = [[], [42], Bytes(16_385, seed: 1), Bytes(5 << 20, seed: 2), Bytes(1000, seed: 3)];

        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(method, null, new CallOptions(new Metadata { { "x-scenario", "rpc-channel" } }));
        foreach (var message in messages)
        {
            await call.RequestStream.WriteAsync(message).DefaultTimeout();
        }
        await call.RequestStream.CompleteAsync().DefaultTimeout();

        Assert.Equal(BulkDigest.Of(messages), await call.ResponseAsync.DefaultTimeout());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.True(Server.HeadersByScenario.ContainsKey("rpc-channel"));
    }

    [Fact]
    public async Task RpcChannel_HandlerFails_StatusAndTrailersArrive()
    {
        using var channel = RpcChannel.ForAddress(Server.Address);
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.ClientStreaming, "saol.test.v1.Bulk", "Fail", bytes, bytes);

        using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(method, null, new CallOptions(new Metadata { { "x-fail-code", "5" } }));
        await call.RequestStream.WriteAsync([1, 2, 3]).DefaultTimeout();
        await call.RequestStream.CompleteAsync().DefaultTimeout();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("bulk failure: jöb-42 % 100", ex.Status.Detail);
        Assert.Equal("because", ex.Trailers.GetValue("x-reason"));
        Assert.Equal(BulkServer.ReasonBytes, ex.Trailers.GetValueBytes("x-reason-bin"));
    }

    [Fact]
    public async Task RpcChannel_CallsAfterRefusedOnes_OnTheSameChannel_AreServed()
    {
        using var channel = RpcChannel.ForAddress(Server.Address);
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var fail = new Method<byte[], byte[]>(MethodType.ClientStreaming, "saol.test.v1.Bulk", "Fail", bytes, bytes);
        var digest = new Method<byte[], byte[]>(MethodType.ClientStreaming, "saol.test.v1.Bulk", "Digest", bytes, bytes);
        var invoker = channel.CreateCallInvoker();

        for (var i = 0; i < 5; i++)
        {
            // Refused while the request stream is still open (the server resets it), then refused after it ended.
            using (var refused = invoker.AsyncClientStreamingCall(fail, null, new CallOptions(new Metadata { { "x-fail-code", "3" }, { "x-fail-early", "1" } })))
            {
                try
                {
                    await refused.RequestStream.WriteAsync([1]).DefaultTimeout();
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
                {
                    // The server's answer came first.
                }
                Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => refused.ResponseAsync).DefaultTimeout()).StatusCode);
            }
            using (var refused = invoker.AsyncClientStreamingCall(fail, null, new CallOptions(new Metadata { { "x-fail-code", "3" } })))
            {
                await refused.RequestStream.CompleteAsync().DefaultTimeout();
                Assert.Equal(StatusCode.InvalidArgument, (await Assert.ThrowsAsync<RpcException>(() => refused.ResponseAsync).DefaultTimeout()).StatusCode);
            }
            using var call = invoker.AsyncClientStreamingCall(digest, null, default);
            await call.RequestStream.WriteAsync([(byte)i]).DefaultTimeout();
            await call.RequestStream.CompleteAsync().DefaultTimeout();
            Assert.Equal(BulkDigest.Of([[(byte)i]]), await call.ResponseAsync.DefaultTimeout());
        }
    }

    internal static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task<byte[]> CallAsync(string method, byte[][] messages)
    {
        using var call = StreamingClientCall.Start(Server.Address, method);
        await Task.Run(() =>
        {
            foreach (var message in messages)
            {
                call.WriteMessage(default, message);
            }
            call.CompleteRequest();
        }).DefaultTimeout();
        return await call.ResponseAsync.DefaultTimeout();
    }
}
