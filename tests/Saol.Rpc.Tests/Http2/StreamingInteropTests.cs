using System.Text.Json;
using Saol.Rpc.Http2;
using static Saol.Rpc.Tests.Http2.StreamingRoundTripTests;

namespace Saol.Rpc.Tests.Http2;

/// <summary>
/// A python3-grpcio client (tests/python/grpc/bulk_client.py, one run per class) calling our
/// <see cref="StreamingServer"/>: grpcio's HPACK (Huffman, dynamic table), framing and flow control
/// against ours, and grpcio's view of our statuses and trailers.
/// </summary>
public sealed class StreamingServerFromGrpcioTests(StreamingServerFromGrpcioTests.Fixture fixture) : IClassFixture<StreamingServerFromGrpcioTests.Fixture>
{
    [Fact]
    public async Task Digest_LargeAndOddSizedMessages_ArriveByteForByte()
    {
        var result = await fixture.ScenarioAsync("digest");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal(result.GetProperty("expected").GetString(), result.GetProperty("response").GetString());
    }

    [Fact]
    public async Task Digest_TextAndBinaryMetadata_ReachTheHandler()
    {
        await fixture.ScenarioAsync("digest");

        var headers = fixture.Server.HeadersByScenario["py-digest"];
        Assert.Equal("hello grpcio", headers.GetValue("x-text"));
        Assert.Equal([0, 255, 1, 2], headers.GetValueBytes("x-data-bin"));
        Assert.Null(headers.GetValue("authorization"));
    }

    [Fact]
    public async Task ManySmallMessages_AllArriveInOrder()
    {
        var result = await fixture.ScenarioAsync("many");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal(result.GetProperty("expected").GetString(), result.GetProperty("response").GetString());
    }

    [Fact]
    public async Task HandlerThrowsRpcException_GrpcioSeesCodeDetailsAndTrailers()
    {
        var result = await fixture.ScenarioAsync("error");

        Assert.Equal("FAILED_PRECONDITION", result.GetProperty("code").GetString());
        Assert.Equal("bulk failure: jöb-42 % 100", result.GetProperty("details").GetString());
        AssertReasonTrailers(result.GetProperty("trailers"));
    }

    [Fact]
    public async Task HandlerFailsBeforeReading_GrpcioStillSending_SeesCodeAndTrailers()
    {
        var result = await fixture.ScenarioAsync("error_early");

        Assert.Equal("RESOURCE_EXHAUSTED", result.GetProperty("code").GetString());
        AssertReasonTrailers(result.GetProperty("trailers"));
    }

    [Fact]
    public async Task WrongToken_Unauthenticated()
    {
        var result = await fixture.ScenarioAsync("unauthenticated");

        Assert.Equal("UNAUTHENTICATED", result.GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnknownMethod_Unimplemented()
    {
        var result = await fixture.ScenarioAsync("unimplemented");

        Assert.Equal("UNIMPLEMENTED", result.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Deadline_GrpcioStreamDoesNotEnd_DeadlineExceededAndHandlerEnds()
    {
        var result = await fixture.ScenarioAsync("deadline");

        Assert.Equal("DEADLINE_EXCEEDED", result.GetProperty("code").GetString());
        var held = await fixture.Server.NextHeldAsync();
        // The server's grpc-timeout or grpcio's own cancel, whichever came first, ended the handler's read.
        Assert.Contains((await held.Outcome.Task.DefaultTimeout())!.StatusCode, new[] { StatusCode.DeadlineExceeded, StatusCode.Cancelled });
    }

    [Fact]
    public async Task GrpcioGone_NoConnectionThreadLeft()
    {
        await fixture.ScenarioAsync("digest");

        await fixture.Server.AssertNoConnectionLeftAsync();
    }

    private static void AssertReasonTrailers(JsonElement trailers)
    {
        Assert.Equal("because", trailers.GetProperty("x-reason").GetString());
        Assert.Equal(BulkServer.ReasonBytes.Select(b => (int)b), trailers.GetProperty("x-reason-bin").EnumerateArray().Select(e => e.GetInt32()));
    }

    /// <summary>Our server, and one run of bulk_client.py against it on first use.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private const string Token = "py-token";
        private readonly Lazy<Task<JsonElement>> _results;
        private BulkServer? _server;

        public Fixture()
        {
            _results = new(RunClientAsync);
        }

        internal BulkServer Server => _server!;

        /// <summary>What grpcio observed in one scenario; runs the python client on first use.</summary>
        public async Task<JsonElement> ScenarioAsync(string name)
        {
            Services.RequirePython("grpc");
            var results = await _results.Value.Timeout(TimeSpan.FromSeconds(120));
            return results.GetProperty(name);
        }

        public async ValueTask InitializeAsync() => _server = await BulkServer.StartAsync(o => o.BearerToken = Token);

        public async ValueTask DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }

        private Task<JsonElement> RunClientAsync() => Task.Run(() =>
        {
            var result = ProcessRunner.Run(Services.Python, ["bulk_client.py", $"127.0.0.1:{Server.Port}", Token], TimeSpan.FromSeconds(110), Repo.PathOf("tests", "python", "grpc"));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"bulk_client.py failed ({result.ExitCode}): {result.StandardError}");
            }
            return JsonDocument.Parse(result.StandardOutput.Trim().Split('\n')[^1]).RootElement.Clone();
        });
    }
}

/// <summary>
/// Our <see cref="StreamingClientCall"/> calling a python3-grpcio server (tests/python/grpc/bulk_server.py,
/// one process per class): grpcio's SETTINGS, windows and HPACK-encoded statuses and trailers against our client.
/// </summary>
public sealed class StreamingClientToGrpcioTests(StreamingClientToGrpcioTests.Fixture fixture) : IClassFixture<StreamingClientToGrpcioTests.Fixture>
{
    [Fact]
    public async Task Digest_LargeAndOddSizedMessages_GrpcioReceivesByteForByte()
    {
        byte[][] messages = [[], [1], Bytes(16_383, 1), Bytes(16_384, 2), Bytes(16_385, 3), Bytes(5 << 20, 4), Bytes(1 << 20, 5)];
        using var call = StreamingClientCall.Start(await fixture.AddressAsync(), "/saol.test.v1.Bulk/Digest",
            new Metadata { { "x-text", "to grpcio" }, { "x-data-bin", new byte[] { 0, 128, 255 } } });

        await Task.Run(() =>
        {
            foreach (var message in messages)
            {
                call.WriteMessage(message.AsSpan(0, message.Length / 3), message.AsSpan(message.Length / 3));
            }
            call.CompleteRequest();
        }).DefaultTimeout();

        Assert.Equal(BulkDigest.Of(messages), await call.ResponseAsync.DefaultTimeout());
        Assert.Equal("to grpcio", call.ResponseTrailers.GetValue("x-text"));
        Assert.Equal([0, 128, 255], call.ResponseTrailers.GetValueBytes("x-data-bin"));
    }

    [Fact]
    public async Task ManyMessages_GrpcioReceivesAllInOrder()
    {
        var messages = Enumerable.Range(0, 2000).Select(i => Bytes(i % 900, i)).ToArray();
        using var call = StreamingClientCall.Start(await fixture.AddressAsync(), "/saol.test.v1.Bulk/Digest");

        await Task.Run(() =>
        {
            foreach (var message in messages)
            {
                call.WriteMessage(default, message);
            }
            call.CompleteRequest();
        }).DefaultTimeout();

        Assert.Equal(BulkDigest.Of(messages), await call.ResponseAsync.DefaultTimeout());
    }

    [Fact]
    public async Task GrpcioAborts_RpcExceptionWithCodeDetailsAndTrailers()
    {
        using var call = StreamingClientCall.Start(await fixture.AddressAsync(), "/saol.test.v1.Bulk/Abort",
            new Metadata { { "x-code", "9" }, { "x-details", "no such job: 42 % done" } });

        var ex = await StreamingStatusTests.FailsAsync(call, [[1, 2, 3]]);

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("no such job: 42 % done", ex.Status.Detail);
        Assert.Equal("because", ex.Trailers.GetValue("x-reason"));
        Assert.Equal(BulkServer.ReasonBytes, ex.Trailers.GetValueBytes("x-reason-bin"));
    }

    [Fact]
    public async Task GrpcioAbortsBeforeReading_WhileWeSendMegabytes_WriteOrResponseFailsWithItsStatus()
    {
        using var call = StreamingClientCall.Start(await fixture.AddressAsync(), "/saol.test.v1.Bulk/AbortEarly");

        var ex = await StreamingStatusTests.FailsAsync(call, Enumerable.Repeat(new byte[1 << 20], 64).ToArray());

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("refused before reading", ex.Status.Detail);
    }

    [Fact]
    public async Task UnknownMethodOnGrpcio_Unimplemented()
    {
        using var call = StreamingClientCall.Start(await fixture.AddressAsync(), "/saol.test.v1.Bulk/Nope");

        var ex = await StreamingStatusTests.FailsAsync(call, [[1]]);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task CancelMidStream_ThenNewCalls_GrpcioServesThem()
    {
        var address = await fixture.AddressAsync();
        var call = StreamingClientCall.Start(address, "/saol.test.v1.Bulk/Digest");
        await Task.Run(() => call.WriteMessage(new byte[100_000], default)).DefaultTimeout();

        call.Cancel();

        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout()).StatusCode);
        call.Dispose();
        using var next = StreamingClientCall.Start(address, "/saol.test.v1.Bulk/Digest");
        await Task.Run(() =>
        {
            next.WriteMessage([7], default);
            next.CompleteRequest();
        }).DefaultTimeout();
        Assert.Equal(BulkDigest.Of([[7]]), await next.ResponseAsync.DefaultTimeout());
    }

    /// <summary>Starts bulk_server.py on first use.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private readonly Lazy<Task<Uri>> _address;
        private PythonPeer? _peer;

        public Fixture()
        {
            _address = new(async () =>
            {
                _peer = PythonPeer.Start("bulk_server.py");
                return new Uri($"http://127.0.0.1:{await _peer.PortAsync()}");
            });
        }

        /// <summary>The server's address; skips (or fails under CI) when grpcio is missing.</summary>
        public Task<Uri> AddressAsync()
        {
            Services.RequirePython("grpc");
            return _address.Value;
        }

        public ValueTask InitializeAsync() => ValueTask.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            if (_peer is not null)
            {
                await _peer.DisposeAsync();
            }
        }
    }
}
