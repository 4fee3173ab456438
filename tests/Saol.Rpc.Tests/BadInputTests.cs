using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>
/// Hand-crafted HTTP/2 requests (HttpClient, no gRPC layer) that break the protocol: each gets the
/// status the spec names, and the server goes on serving well-formed calls.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const string UnaryPath = "/saol.test.v1.Echo/Unary";
    private const string ClientStreamPath = "/saol.test.v1.Echo/ClientStream";

    private readonly HttpMessageInvoker _http = new(new SocketsHttpHandler());
    private TestServer? _server;

    private TestServer Server => _server!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task UnknownMethod_RawRequest_Unimplemented()
    {
        var (http, status, _) = await SendRawAsync("/saol.test.v1.Echo/NoSuchMethod", Frame(new EchoRequest().ToByteArray()));

        Assert.Equal(HttpStatusCode.OK, http);
        Assert.Equal(StatusCode.Unimplemented, status);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task UnknownService_GeneratedStyleCall_RpcExceptionUnimplemented()
    {
        var marshaller = Marshallers.Create<EchoRequest>(r => r.ToByteArray(), EchoRequest.Parser.ParseFrom);
        var method = new Method<EchoRequest, EchoRequest>(MethodType.Unary, "saol.test.v1.Missing", "Call", marshaller, marshaller);
        var invoker = Server.Channel().CreateCallInvoker();

        var ex = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(method, null, default, new EchoRequest()).ResponseAsync).DefaultTimeout();

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData("application/grpcx")]
    public async Task WrongContentType_RawRequest_Http415WithInternal(string contentType)
    {
        var (http, status, _) = await SendRawAsync(UnaryPath, Frame(new EchoRequest().ToByteArray()), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, http);
        Assert.Equal(StatusCode.Internal, status);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task MalformedFrame_FlagTwo_Internal()
    {
        var frame = Frame(new EchoRequest { Text = "x" }.ToByteArray());
        frame[0] = 2;

        var (_, status, message) = await SendRawAsync(UnaryPath, frame);

        Assert.Equal(StatusCode.Internal, status);
        Assert.Contains("Malformed frame", message, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task CompressedFrame_NoEncodingNegotiated_Internal()
    {
        var frame = Frame(new EchoRequest { Text = "x" }.ToByteArray());
        frame[0] = 1;

        var (_, status, _) = await SendRawAsync(UnaryPath, frame);

        Assert.Equal(StatusCode.Internal, status);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task CompressedFrame_GzipEncoding_UnimplementedNamingTheEncoding()
    {
        var frame = Frame(new EchoRequest { Text = "x" }.ToByteArray());
        frame[0] = 1;

        var (_, status, message) = await SendRawAsync(UnaryPath, frame, extraHeaders: [("grpc-encoding", "gzip")]);

        Assert.Equal(StatusCode.Unimplemented, status);
        Assert.Contains("gzip", message, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task TruncatedMessage_StreamEndsInsidePayload_Internal()
    {
        var frame = Frame(new byte[100]);

        var (_, status, message) = await SendRawAsync(UnaryPath, frame[..50]);

        Assert.Equal(StatusCode.Internal, status);
        Assert.Contains("Incomplete message", message, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task TruncatedHeader_StreamEndsInsidePrefix_Internal()
    {
        var (_, status, message) = await SendRawAsync(UnaryPath, [0, 0, 0]);

        Assert.Equal(StatusCode.Internal, status);
        Assert.Contains("frame header", message, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task OversizedMessage_LengthPrefixAboveLimit_ResourceExhaustedWithoutReadingPayload()
    {
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 100 * 1024 * 1024);

        var (_, status, message) = await SendRawAsync(UnaryPath, header);

        Assert.Equal(StatusCode.ResourceExhausted, status);
        Assert.Contains("exceeds the maximum", message, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task InvalidProtobuf_PayloadNotAMessage_Internal()
    {
        var (_, status, message) = await SendRawAsync(UnaryPath, Frame([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]));

        Assert.Equal(StatusCode.Internal, status);
        Assert.Contains("deserialize", message, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task UnaryWithTwoMessages_Internal()
    {
        var one = Frame(new EchoRequest { Text = "a" }.ToByteArray());

        var (_, status, _) = await SendRawAsync(UnaryPath, [.. one, .. one]);

        Assert.Equal(StatusCode.Internal, status);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task UnaryWithoutMessage_Internal()
    {
        var (_, status, _) = await SendRawAsync(UnaryPath, []);

        Assert.Equal(StatusCode.Internal, status);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("300m")]
    [InlineData("300000u")]
    [InlineData("99999999n")]
    public async Task Timeout_NoClientSideTimer_ServerEndsCallDeadlineExceeded(string timeout)
    {
        // A raw request has no client deadline timer, so only the server's own enforcement can end it.
        var text = "raw-deadline-" + timeout;
        var body = Frame(new EchoRequest { Text = text, DelayMs = 60_000 }.ToByteArray());

        var (_, status, _) = await SendRawAsync(UnaryPath, body, extraHeaders: [("grpc-timeout", timeout)]);

        Assert.Equal(StatusCode.DeadlineExceeded, status);
        Assert.Equal("deadline", await Server.Echo.EndingOf(text).DefaultTimeout());
    }

    [Fact]
    public async Task Timeout_LargestExpressible_CallSucceeds()
    {
        var (_, status, _) = await SendRawAsync(UnaryPath, Frame(new EchoRequest { Text = "eons" }.ToByteArray()), extraHeaders: [("grpc-timeout", "99999999H")]);

        Assert.Equal(StatusCode.OK, status);
    }

    [Fact]
    public async Task MalformedTimeout_Internal()
    {
        var (_, status, message) = await SendRawAsync(UnaryPath, Frame(new EchoRequest().ToByteArray()), extraHeaders: [("grpc-timeout", "soon")]);

        Assert.Equal(StatusCode.Internal, status);
        Assert.Contains("grpc-timeout", message, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task ClientStream_GoodFramesThenGarbage_InternalAndServerKeepsServing()
    {
        var good = Frame(new EchoRequest { Text = "a" }.ToByteArray());
        byte[] garbage = [9, 9, 9, 9, 9, 9, 9];

        var (_, status, _) = await SendRawAsync(ClientStreamPath, [.. good, .. good, .. garbage]);

        Assert.Equal(StatusCode.Internal, status);
        await AssertStillServingAsync();
    }

    private async Task AssertStillServingAsync()
    {
        var reply = await Server.Client().UnaryAsync(new EchoRequest { Text = "still here" }).ResponseAsync.DefaultTimeout();
        Assert.Equal("still here", reply.Text);
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    private async Task<(HttpStatusCode Http, StatusCode? Status, string Message)> SendRawAsync(
        string path, byte[] body, string contentType = "application/grpc", (string Name, string Value)[]? extraHeaders = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Server.Server.LocalAddress, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        foreach (var (name, value) in extraHeaders ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await _http.SendAsync(request, CancellationToken.None).DefaultTimeout();
        await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        var source = response.Headers.Contains("grpc-status") ? response.Headers : response.TrailingHeaders;
        var status = source.TryGetValues("grpc-status", out var codes) ? (StatusCode?)int.Parse(codes.Single(), System.Globalization.CultureInfo.InvariantCulture) : null;
        var message = source.TryGetValues("grpc-message", out var messages) ? Uri.UnescapeDataString(messages.Single()) : "";
        return (response.StatusCode, status, message);
    }
}
