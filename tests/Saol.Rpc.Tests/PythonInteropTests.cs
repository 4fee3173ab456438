using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>Our client against a python3-grpcio server (tests/python/grpc/echo_server.py): one server process per class.</summary>
public abstract class PythonServerInteropTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PythonServerFixture
{
    [Fact]
    public async Task Unary_ToGrpcio_EchoesTextAndPayload()
    {
        var client = await fixture.ClientAsync();
        var request = EchoService.WithPayload("cs-unary", 1000);

        var reply = await client.UnaryAsync(request).ResponseAsync.DefaultTimeout();

        Assert.Equal("cs-unary", reply.Text);
        Assert.Equal(request.Payload, reply.Payload);
    }

    [Fact]
    public async Task Unary_LargeMessageToGrpcio_ArrivesIntact()
    {
        var client = await fixture.ClientAsync();
        var request = EchoService.WithPayload("cs-large", 3 << 20);

        var reply = await client.UnaryAsync(request).ResponseAsync.DefaultTimeout();

        Assert.Equal(request.Payload, reply.Payload);
    }

    [Fact]
    public async Task ServerStream_FromGrpcio_FiveRepliesInOrder()
    {
        var client = await fixture.ClientAsync();
        using var call = client.ServerStream(new EchoRequest { Text = "cs-ss", Count = 5 });

        var indexes = new List<int>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout())
        {
            indexes.Add(call.ResponseStream.Current.Index);
        }

        Assert.Equal([0, 1, 2, 3, 4], indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ClientStream_ToGrpcio_ServerSeesAllRequests()
    {
        var reply = await EchoService.ClientStreamAbcAsync(await fixture.ClientAsync());

        Assert.Equal("a,b,c", reply.Text);
        Assert.Equal(300_010, reply.TotalBytes);
    }

    [Fact]
    public async Task Duplex_WithGrpcio_PingPong()
    {
        var client = await fixture.ClientAsync();
        using var call = client.Duplex();

        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = $"d{i}" }).DefaultTimeout();
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }
        await call.RequestStream.CompleteAsync().DefaultTimeout();

        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
    }

    [Fact]
    public async Task Metadata_WithGrpcio_HeadersEchoedAndTrailersDecoded()
    {
        var client = await fixture.ClientAsync();
        var binary = new byte[] { 0, 255, 16, 32 };
        using var call = client.UnaryAsync(new EchoRequest { Text = "cs-md" }, new Metadata { { "x-cs", "hi there" }, { "x-cs-bin", binary } });

        var headers = await call.ResponseHeadersAsync.DefaultTimeout();
        await call.ResponseAsync.DefaultTimeout();

        Assert.Equal("hi there", headers.GetValue("x-cs"));
        Assert.Equal(binary, headers.GetValueBytes("x-cs-bin"));
        Assert.Equal("done", call.GetTrailers().GetValue("x-trailer"));
        Assert.Equal(EchoService.TrailerBytes, call.GetTrailers().GetValueBytes("x-trailer-bin"));
    }

    [Fact]
    public async Task Error_FromGrpcio_StatusAndPercentDecodedMessage()
    {
        var client = await fixture.ClientAsync();
        const string Detail = "no such job: jöb-42 % 100";

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest { Text = Detail, FailCode = (int)StatusCode.NotFound }).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal(Detail, ex.Status.Detail);
    }

    [Fact]
    public async Task UnknownMethod_OnGrpcio_Unimplemented()
    {
        var channel = await fixture.ChannelAsync();
        var marshaller = Marshallers.Create<EchoRequest>(r => Google.Protobuf.MessageExtensions.ToByteArray(r), EchoRequest.Parser.ParseFrom);
        var method = new Method<EchoRequest, EchoRequest>(MethodType.Unary, "saol.test.v1.Echo", "Nope", marshaller, marshaller);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CreateCallInvoker().AsyncUnaryCall(method, null, default, new EchoRequest()).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Deadline_GrpcioHandlerTooSlow_DeadlineExceededOnBothSides()
    {
        var client = await fixture.ClientAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UnaryAsync(new EchoRequest { Text = "cs-deadline", DelayMs = 60_000 }, deadline: DateTime.UtcNow.AddMilliseconds(500)).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal("deadline", await fixture.Peer.EndingOf("cs-deadline").DefaultTimeout());
    }

    [Fact]
    public async Task Cancel_WhileGrpcioHandlerWaits_CancelledOnBothSides()
    {
        var client = await fixture.ClientAsync();
        using var cts = new CancellationTokenSource();
        // x-sync makes the handler send its headers before it starts waiting.
        var call = client.UnaryAsync(new EchoRequest { Text = "cs-cancel", DelayMs = 60_000 }, new Metadata { { "x-sync", "1" } }, cancellationToken: cts.Token);
        await call.ResponseHeadersAsync.DefaultTimeout();

        await cts.CancelAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Equal("cancelled", await fixture.Peer.EndingOf("cs-cancel").DefaultTimeout());
    }

    [Fact]
    public async Task ServerStream_ClientDisposesMidStream_GrpcioHandlerSeesCancellation()
    {
        var client = await fixture.ClientAsync();
        var call = client.ServerStream(new EchoRequest { Text = "cs-stream-cancel", Count = 100_000, DelayMs = 20 });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout());

        call.Dispose();

        Assert.Equal("cancelled", await fixture.Peer.EndingOf("cs-stream-cancel").DefaultTimeout());
    }
}

public sealed class PythonServerInteropTestsOverH2c(PythonServerFixture.H2c fixture) : PythonServerInteropTests<PythonServerFixture.H2c>(fixture);

public sealed class PythonServerInteropTestsOverTls(PythonServerFixture.Tls fixture) : PythonServerInteropTests<PythonServerFixture.Tls>(fixture);

/// <summary>Starts echo_server.py on first use (cleartext, or TLS with a fresh self-signed certificate) and a channel to it.</summary>
public abstract class PythonServerFixture : IAsyncLifetime
{
    private readonly Lazy<Task<RpcChannel>> _channel;
    private readonly TempDir _dir = new("saol-rpc-tls-");
    private PythonPeer? _peer;

    private PythonServerFixture(bool tls)
    {
        _channel = new(async () =>
        {
            var options = new RpcChannelOptions { MaxReceiveMessageSize = 64 << 20 };
            string[] arguments = [];
            if (tls)
            {
                using var certificate = TestServer.CreateSelfSignedCertificate();
                File.WriteAllText(_dir.File("cert.pem"), certificate.ExportCertificatePem());
                File.WriteAllText(_dir.File("key.pem"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
                var pinned = certificate.GetCertHashString();
                options.RemoteCertificateValidation = (_, presented, _, _) => presented?.GetCertHashString() == pinned;
                arguments = [_dir.File("cert.pem"), _dir.File("key.pem")];
            }
            _peer = PythonPeer.Start("echo_server.py", arguments);
            var port = await _peer.PortAsync();
            return RpcChannel.ForAddress($"{(tls ? "https" : "http")}://127.0.0.1:{port}", options);
        });
    }

    internal PythonPeer Peer => _peer ?? throw new InvalidOperationException("The peer has not started.");

    /// <summary>Starts the python server on first use; skips (or fails under CI) when grpcio is missing.</summary>
    public Task<RpcChannel> ChannelAsync()
    {
        Services.RequirePython("grpc");
        return _channel.Value;
    }

    public async Task<Echo.EchoClient> ClientAsync() => new(await ChannelAsync());

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_channel.IsValueCreated && _channel.Value.IsCompletedSuccessfully)
        {
            _channel.Value.Result.Dispose();
        }
        if (_peer is not null)
        {
            await _peer.DisposeAsync();
        }
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }

    public sealed class H2c() : PythonServerFixture(tls: false);

    public sealed class Tls() : PythonServerFixture(tls: true);
}

/// <summary>A python3-grpcio client (tests/python/grpc/echo_client.py) against our server: one client run per class, one test per scenario.</summary>
public abstract class PythonClientInteropTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PythonClientFixture
{
    [Fact]
    public async Task Unary_FromGrpcio_Echoed()
    {
        var result = await fixture.ScenarioAsync("unary");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal("py-unary", result.GetProperty("text").GetString());
        Assert.True(result.GetProperty("payload_ok").GetBoolean());
    }

    [Fact]
    public async Task UnaryLarge_FromGrpcio_Echoed()
    {
        var result = await fixture.ScenarioAsync("unary_large");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.True(result.GetProperty("payload_ok").GetBoolean());
    }

    [Fact]
    public async Task ServerStream_FromGrpcio_FiveRepliesInOrder()
    {
        var result = await fixture.ScenarioAsync("server_stream");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal([0, 1, 2, 3, 4], result.GetProperty("indexes").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task ClientStream_FromGrpcio_AllRequestsSeen()
    {
        var result = await fixture.ScenarioAsync("client_stream");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal("a,b,c", result.GetProperty("text").GetString());
        Assert.Equal(3, result.GetProperty("index").GetInt32());
        Assert.Equal(300_010, result.GetProperty("total_bytes").GetInt64());
    }

    [Fact]
    public async Task Duplex_FromGrpcio_EachRequestAnswered()
    {
        var result = await fixture.ScenarioAsync("duplex");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal(["d0", "d1", "d2", "d3", "d4"], result.GetProperty("texts").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([0, 1000, 2000, 3000, 4000], result.GetProperty("sizes").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task Metadata_FromGrpcio_HeadersEchoedTrailersReceived()
    {
        var result = await fixture.ScenarioAsync("metadata");

        Assert.Equal("OK", result.GetProperty("code").GetString());
        Assert.Equal("hello", result.GetProperty("x_py").GetString());
        Assert.Equal([0, 255, 16], result.GetProperty("x_py_bin").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("done", result.GetProperty("x_trailer").GetString());
        Assert.Equal(EchoService.TrailerBytes.Select(b => (int)b), result.GetProperty("x_trailer_bin").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task Error_FromOurServer_GrpcioSeesCodeAndDecodedMessage()
    {
        var result = await fixture.ScenarioAsync("error");

        Assert.Equal("NOT_FOUND", result.GetProperty("code").GetString());
        Assert.Equal("no such job: jöb-42 % 100", result.GetProperty("details").GetString());
    }

    [Fact]
    public async Task MissingToken_FromGrpcio_Unauthenticated()
    {
        var result = await fixture.ScenarioAsync("unauthenticated");

        Assert.Equal("UNAUTHENTICATED", result.GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnknownMethod_FromGrpcio_Unimplemented()
    {
        var result = await fixture.ScenarioAsync("unknown_method");

        Assert.Equal("UNIMPLEMENTED", result.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Deadline_FromGrpcio_DeadlineExceededOnBothSides()
    {
        var result = await fixture.ScenarioAsync("deadline");

        Assert.Equal("DEADLINE_EXCEEDED", result.GetProperty("code").GetString());
        Assert.Equal("deadline", await fixture.Server.Echo.EndingOf("py-deadline").DefaultTimeout());
    }

    [Fact]
    public async Task Cancel_FromGrpcio_OurHandlerTokenFires()
    {
        var result = await fixture.ScenarioAsync("cancel");

        Assert.True(result.GetProperty("cancelled").GetBoolean());
        Assert.Equal("cancelled", await fixture.Server.Echo.EndingOf("py-cancel").DefaultTimeout());
    }

    [Fact]
    public async Task StreamCancel_FromGrpcio_OurStreamingHandlerTokenFires()
    {
        var result = await fixture.ScenarioAsync("stream_cancel");

        Assert.Equal([0, 1], result.GetProperty("got").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(result.GetProperty("cancelled").GetBoolean());
        Assert.Equal("cancelled", await fixture.Server.Echo.EndingOf("py-stream-cancel").DefaultTimeout());
    }
}

public sealed class PythonClientInteropTestsOverH2c(PythonClientFixture.H2c fixture) : PythonClientInteropTests<PythonClientFixture.H2c>(fixture);

public sealed class PythonClientInteropTestsOverTls(PythonClientFixture.Tls fixture) : PythonClientInteropTests<PythonClientFixture.Tls>(fixture);

/// <summary>Our server (cleartext or TLS), and one run of echo_client.py against it on first use.</summary>
public abstract class PythonClientFixture : IAsyncLifetime
{
    private const string Token = "py-token";
    private readonly bool _tls;
    private readonly Lazy<Task<JsonElement>> _results;
    private readonly TempDir _dir = new("saol-rpc-tls-");
    private TestServer? _server;

    private PythonClientFixture(bool tls)
    {
        _tls = tls;
        _results = new(RunClientAsync);
    }

    internal TestServer Server => _server!;

    /// <summary>What grpcio observed in one scenario; runs the python client on first use.</summary>
    public async Task<JsonElement> ScenarioAsync(string name)
    {
        Services.RequirePython("grpc");
        var results = await _results.Value.Timeout(TimeSpan.FromSeconds(120));
        return results.GetProperty(name);
    }

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(_tls, o =>
    {
        o.BearerToken = Token;
        o.MaxReceiveMessageSize = 64 << 20;
    });

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }

    private Task<JsonElement> RunClientAsync() => Task.Run(() =>
    {
        List<string> arguments = ["echo_client.py", $"127.0.0.1:{Server.Server.Port}", Token];
        if (Server.Certificate is { } certificate)
        {
            File.WriteAllText(_dir.File("root.pem"), certificate.ExportCertificatePem());
            arguments.Add(_dir.File("root.pem"));
        }
        var result = ProcessRunner.Run(Services.Python, arguments, TimeSpan.FromSeconds(110), Repo.PathOf("tests", "python", "grpc"));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"echo_client.py failed ({result.ExitCode}): {result.StandardError}");
        }
        return JsonDocument.Parse(result.StandardOutput.Trim().Split('\n')[^1]).RootElement.Clone();
    });

    public sealed class H2c() : PythonClientFixture(tls: false);

    public sealed class Tls() : PythonClientFixture(tls: true);
}
