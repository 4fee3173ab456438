using System.Collections.Concurrent;
using Google.Protobuf;
using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>
/// The test server's Echo implementation. Request metadata with an <c>x-</c> key comes back as
/// response headers; every call ends with trailers <c>x-trailer</c> and <c>x-trailer-bin</c>. When a
/// call's cancellation token fires, whether it was the deadline is recorded per request text.
/// A streaming call with the <see cref="RefuseHeader"/> header fails with UNAVAILABLE before reading anything.
/// </summary>
internal sealed class EchoService : Echo.EchoBase
{
    public static readonly byte[] TrailerBytes = [0, 1, 2, 250, 255];

    /// <summary>Request header that makes ClientStream and Duplex refuse the call at once (a trailers-only response).</summary>
    public const string RefuseHeader = "refuse-at-once";

    /// <summary>Request header that makes ClientStream send response headers (this key, value "sent") before reading anything.</summary>
    public const string HeadersFirstHeader = "headers-first";

    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _endings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _waits = new(StringComparer.Ordinal);

    /// <summary>"cancelled" or "deadline" once the call with this text saw its cancellation token fire.</summary>
    public Task<string> EndingOf(string text) => Signal(_endings, text).Task;

    /// <summary>Completes once the handler of the call with this text has started its delay.</summary>
    public Task WaitingOf(string text) => Signal(_waits, text).Task;

    public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        await BeginAsync(request, context);
        await DelayAsync(request, context);
        return Reply(request, 0);
    }

    public override async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        await BeginAsync(request, context);
        for (var i = 0; i < request.Count; i++)
        {
            await DelayAsync(request, context);
            await responseStream.WriteAsync(Reply(request, i));
        }
    }

    public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        RefuseIfAsked(context);
        if (context.RequestHeaders.Get(HeadersFirstHeader) is not null)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { HeadersFirstHeader, "sent" } });
        }
        var texts = new List<string>();
        long total = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (texts.Count == 0)
            {
                await BeginAsync(request, context);
            }
            await DelayAsync(request, context);
            texts.Add(request.Text);
            total += request.Payload.Length;
        }
        return new EchoReply { Text = string.Join(',', texts), Index = texts.Count, TotalBytes = total };
    }

    public override async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        RefuseIfAsked(context);
        var index = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (index == 0)
            {
                await BeginAsync(request, context);
            }
            await DelayAsync(request, context);
            await responseStream.WriteAsync(Reply(request, index++));
        }
    }

    private static void RefuseIfAsked(ServerCallContext context)
    {
        if (context.RequestHeaders.Get(RefuseHeader) is not null)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "refused at once"));
        }
    }

    private static EchoReply Reply(EchoRequest request, int index) => new() { Text = request.Text, Payload = request.Payload, Index = index };

    private async Task BeginAsync(EchoRequest request, ServerCallContext context)
    {
        // Recorded from the token itself, so it is seen wherever the handler is (waiting, reading or writing).
        context.CancellationToken.Register(() => RecordEnding(request.Text, context));
        var echoed = new Metadata();
        foreach (var entry in context.RequestHeaders.Where(e => e.Key.StartsWith("x-", StringComparison.Ordinal)))
        {
            echoed.Add(entry);
        }
        if (echoed.Count > 0)
        {
            await context.WriteResponseHeadersAsync(echoed);
        }
        context.ResponseTrailers.Add("x-trailer", "done");
        context.ResponseTrailers.Add("x-trailer-bin", TrailerBytes);
        if (request.FailCode != 0)
        {
            var trailers = new Metadata { { "x-error-detail", "from-handler" } };
            throw new RpcException(new Status((StatusCode)request.FailCode, request.Text), trailers);
        }
        if (request.Text == "throw")
        {
            throw new InvalidOperationException("secret internal detail");
        }
    }

    private async Task DelayAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.DelayMs > 0)
        {
            using var registration = context.CancellationToken.Register(() => RecordEnding(request.Text, context));
            Signal(_waits, request.Text).TrySetResult("waiting");
            await Task.Delay(request.DelayMs, context.CancellationToken);
        }
    }

    private void RecordEnding(string text, ServerCallContext context)
    {
        // The client's own deadline timer races the server's and usually resets the stream first, by
        // the time the request took to reach the handler (long on a loaded machine): "at the
        // deadline" allows a second for that. BadInputTests checks the server's own timer alone.
        var atDeadline = context.Deadline != DateTime.MaxValue && DateTime.UtcNow >= context.Deadline.AddSeconds(-1);
        Signal(_endings, text).TrySetResult(atDeadline ? "deadline" : "cancelled");
    }

    private static TaskCompletionSource<string> Signal(ConcurrentDictionary<string, TaskCompletionSource<string>> signals, string text) =>
        signals.GetOrAdd(text, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Client-streams "a" (10 bytes), "b" (empty) and "c" (300,000 bytes) and returns the server's summary (expected: "a,b,c", index 3, 300,010 bytes).</summary>
    public static async Task<EchoReply> ClientStreamAbcAsync(Echo.EchoClient client)
    {
        using var call = client.ClientStream();
        foreach (var (text, size) in new[] { ("a", 10), ("b", 0), ("c", 300_000) })
        {
            await call.RequestStream.WriteAsync(WithPayload(text, size)).DefaultTimeout();
        }
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        return await call.ResponseAsync.DefaultTimeout();
    }

    /// <summary>A request with a payload of <paramref name="size"/> deterministic bytes.</summary>
    public static EchoRequest WithPayload(string text, int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return new EchoRequest { Text = text, Payload = UnsafeByteOperations.UnsafeWrap(bytes) };
    }
}
