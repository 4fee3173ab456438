using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Threading.Channels;
using Saol.Rpc.Http2;

namespace Saol.Rpc.Tests.Http2;

/// <summary>
/// A <see cref="StreamingServer"/> on a loopback port serving the test methods of
/// <c>saol.test.v1.Bulk</c> (no .proto: requests and responses are raw bytes):
/// <list type="bullet">
/// <item><c>Digest</c> answers with <see cref="BulkDigest"/> of the messages, read in chunks of odd sizes;</item>
/// <item><c>Skip</c> skips every message and answers with their count and total length;</item>
/// <item><c>Fail</c> fails with the code in <c>x-fail-code</c> and trailers, after draining the request or at once (<c>x-fail-early</c>);</item>
/// <item><c>Throw</c> throws a non-RPC exception;</item>
/// <item><c>Hold</c> hands its call to the test (<see cref="NextHeldAsync"/>) and reads until the request ends or the call breaks.</item>
/// </list>
/// Every call's request headers are kept by its <c>x-scenario</c> header.
/// </summary>
internal sealed class BulkServer : IAsyncDisposable
{
    public const string Service = "/saol.test.v1.Bulk/";
    public const string Digest = Service + "Digest";
    public const string Skip = Service + "Skip";
    public const string Fail = Service + "Fail";
    public const string Throw = Service + "Throw";
    public const string Hold = Service + "Hold";

    /// <summary>The trailers <c>Fail</c> sends.</summary>
    public static readonly byte[] ReasonBytes = [0, 1, 2, 255];

    // Odd read sizes, so reads end inside frames, across frame boundaries and at message ends.
    private static readonly int[] s_chunkSizes = [1, 4093, 65_536, 1 << 20, 5, 16_384, 3 << 20];

    private readonly Channel<HeldCall> _held = Channel.CreateUnbounded<HeldCall>();

    private BulkServer(StreamingServer server)
    {
        Server = server;
    }

    public StreamingServer Server { get; }

    public Uri Address => Server.LocalAddress;

    public int Port => Server.Port;

    /// <summary>The request headers of each call, by its <c>x-scenario</c> header.</summary>
    public ConcurrentDictionary<string, Metadata> HeadersByScenario { get; } = new(StringComparer.Ordinal);

    public static async Task<BulkServer> StartAsync(Action<StreamingServerOptions>? configure = null)
    {
        var options = new StreamingServerOptions { ListenAddress = IPAddress.Loopback };
        configure?.Invoke(options);
        var server = new StreamingServer(options);
        var bulk = new BulkServer(server);
        server.Map(Digest, bulk.OnDigest);
        server.Map(Skip, bulk.OnSkip);
        server.Map(Fail, bulk.OnFail);
        server.Map(Throw, _ => throw new InvalidOperationException("secret internal detail"));
        server.Map(Hold, bulk.OnHold);
        await server.StartAsync().DefaultTimeout();
        return bulk;
    }

    /// <summary>The next call of <c>Hold</c>, once its handler runs.</summary>
    public Task<HeldCall> NextHeldAsync() => _held.Reader.ReadAsync().AsTask().DefaultTimeout();

    /// <summary>Waits until every connection's thread has ended: none is stuck.</summary>
    public async Task AssertNoConnectionLeftAsync()
    {
        for (var i = 0; i < 1000 && Server.OpenConnections > 0; i++)
        {
            await Task.Delay(10);
        }
        Assert.Equal(0, Server.OpenConnections);
    }

    /// <summary>A fresh <see cref="StreamingClientCall"/> of <c>Digest</c> with the given messages succeeds with their digest.</summary>
    public async Task AssertStillServingAsync(StreamingClientOptions? options = null)
    {
        byte[][] messages = [[1, 2, 3], new byte[70_000]];
        using var call = StreamingClientCall.Start(Address, Digest, null, options);
        await SendAllAsync(call, messages).DefaultTimeout();
        Assert.Equal(BulkDigest.Of(messages), await call.ResponseAsync.DefaultTimeout());
    }

    /// <summary>Writes <paramref name="messages"/> on a thread of their own (writes block), then ends the request stream.</summary>
    public static Task SendAllAsync(StreamingClientCall call, IEnumerable<byte[]> messages) => Task.Run(() =>
    {
        foreach (var message in messages)
        {
            call.WriteMessage(message, default);
        }
        call.CompleteRequest();
    });

    public ValueTask DisposeAsync() => Server.DisposeAsync();

    private void Record(StreamingServerCall call)
    {
        if (call.RequestHeaders.GetValue("x-scenario") is { } scenario)
        {
            HeadersByScenario[scenario] = call.RequestHeaders;
        }
    }

    private byte[] OnDigest(StreamingServerCall call)
    {
        Record(call);
        using var digest = new BulkDigest();
        var buffer = new byte[s_chunkSizes.Max()];
        var chunk = 0;
        while (call.ReadMessageStart(out var length))
        {
            digest.StartMessage(length);
            while (call.MessageRemaining > 0)
            {
                var n = Math.Min(call.MessageRemaining, s_chunkSizes[chunk++ % s_chunkSizes.Length]);
                call.ReadMessage(buffer.AsSpan(0, n));
                digest.Append(buffer.AsSpan(0, n));
            }
        }
        return digest.Finish();
    }

    private byte[] OnSkip(StreamingServerCall call)
    {
        Record(call);
        long count = 0, total = 0;
        while (call.ReadMessageStart(out var length))
        {
            call.SkipMessage();
            count++;
            total += length;
        }
        var response = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(response, count);
        BinaryPrimitives.WriteInt64BigEndian(response.AsSpan(8), total);
        return response;
    }

    private byte[] OnFail(StreamingServerCall call)
    {
        Record(call);
        var headers = call.RequestHeaders;
        if (headers.GetValue("x-fail-early") is null)
        {
            while (call.ReadMessageStart(out _))
            {
                call.SkipMessage();
            }
        }
        var code = (StatusCode)int.Parse(headers.GetValue("x-fail-code") ?? "9", CultureInfo.InvariantCulture);
        throw new RpcException(new Status(code, headers.GetValue("x-fail-detail") ?? "bulk failure: jöb-42 % 100"),
            new Metadata { { "x-reason", "because" }, { "x-reason-bin", ReasonBytes } });
    }

    private byte[] OnHold(StreamingServerCall call)
    {
        Record(call);
        var held = new HeldCall(call);
        _held.Writer.TryWrite(held);
        try
        {
            while (call.ReadMessageStart(out _))
            {
                call.SkipMessage();
                held.MessageRead();
            }
            held.Outcome.TrySetResult(null);
            return [];
        }
        catch (RpcException ex)
        {
            held.Outcome.TrySetResult(ex);
            throw;
        }
    }
}

/// <summary>A call of <c>Hold</c>, as its handler sees it.</summary>
internal sealed class HeldCall(StreamingServerCall call)
{
    private readonly Channel<bool> _messages = Channel.CreateUnbounded<bool>();

    public StreamingServerCall Call { get; } = call;

    /// <summary>How the handler's reading ended: null when the request completed, else the read's exception.</summary>
    public TaskCompletionSource<RpcException?> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void MessageRead() => _messages.Writer.TryWrite(true);

    /// <summary>Waits until the handler has read one more message.</summary>
    public Task WaitForMessageAsync() => _messages.Reader.ReadAsync().AsTask().DefaultTimeout();
}

/// <summary>
/// What <c>Digest</c> answers: the message count (8 bytes, big-endian) and SHA-256 over every
/// message as its 4-byte big-endian length and its bytes. tests/python/grpc/bulk_*.py compute the same.
/// </summary>
internal sealed class BulkDigest : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _count;

    public static byte[] Of(IEnumerable<byte[]> messages)
    {
        using var digest = new BulkDigest();
        foreach (var message in messages)
        {
            digest.StartMessage(message.Length);
            digest.Append(message);
        }
        return digest.Finish();
    }

    public void StartMessage(int length)
    {
        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        _hash.AppendData(prefix);
        _count++;
    }

    public void Append(ReadOnlySpan<byte> bytes) => _hash.AppendData(bytes);

    public byte[] Finish()
    {
        var result = new byte[8 + 32];
        BinaryPrimitives.WriteInt64BigEndian(result, _count);
        _hash.GetHashAndReset(result.AsSpan(8));
        return result;
    }

    public void Dispose() => _hash.Dispose();
}
