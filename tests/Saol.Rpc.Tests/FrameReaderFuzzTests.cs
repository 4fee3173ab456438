using System.Buffers;
using System.IO.Pipelines;
using Saol.Rpc.Internal;
using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>Random and mutated bytes through the frame reader: only clean ends, messages or RpcExceptions; never a crash or a hang.</summary>
public sealed class FrameReaderFuzzTests
{
    private static readonly Func<DeserializationContext, EchoRequest> s_deserialize = c => EchoRequest.Parser.ParseFrom(c.PayloadAsReadOnlySequence());

    [Fact]
    public async Task RandomBytes_SeededIterations_OnlyMessagesOrRpcExceptions()
    {
        var random = new Random(20261121);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (i % 3 == 0 && bytes.Length >= 5)
            {
                // Plausible headers reach the length and payload paths more often than pure noise.
                bytes[0] = (byte)random.Next(0, 3);
                bytes[1] = bytes[2] = 0;
                bytes[3] = 0;
            }
            var outcome = await ReadAllAsync(bytes, chunk: random.Next(1, 8), maxMessageSize: 32).DefaultTimeout();
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        Assert.All(outcomes.Keys, k => Assert.True(k.StartsWith("ok", StringComparison.Ordinal) || k.StartsWith("rpc:", StringComparison.Ordinal), k));
        Assert.Contains(outcomes.Keys, k => k.StartsWith("ok", StringComparison.Ordinal));
        Assert.Contains("rpc:Internal", outcomes.Keys);
        Assert.Contains("rpc:ResourceExhausted", outcomes.Keys);
    }

    [Fact]
    public async Task ValidStream_SplitAtEveryOffset_ReadsTheSameMessages()
    {
        var stream = new ArrayBufferWriter<byte>();
        using (var writer = new FrameWriter(stream, maxMessageSize: null))
        {
            foreach (var text in new[] { "one", "", "three" })
            {
                writer.Write(EchoMarshaller.ContextualSerializer, new EchoRequest { Text = text, Count = text.Length });
            }
        }
        var bytes = stream.WrittenSpan.ToArray();

        for (var chunk = 1; chunk <= bytes.Length; chunk++)
        {
            Assert.Equal("ok:one,,three", await ReadAllAsync(bytes, chunk, maxMessageSize: null).DefaultTimeout());
        }
    }

    [Fact]
    public async Task ValidStream_EveryByteMutated_NeverCrashes()
    {
        var stream = new ArrayBufferWriter<byte>();
        using (var writer = new FrameWriter(stream, maxMessageSize: null))
        {
            writer.Write(EchoMarshaller.ContextualSerializer, new EchoRequest { Text = "mutate me", Count = 300, DelayMs = 7 });
        }
        var original = stream.WrittenSpan.ToArray();
        var random = new Random(5);

        for (var position = 0; position < original.Length; position++)
        {
            for (var trial = 0; trial < 8; trial++)
            {
                var bytes = original.ToArray();
                bytes[position] = (byte)random.Next(256);
                var outcome = await ReadAllAsync(bytes, chunk: 3, maxMessageSize: 1024).DefaultTimeout();
                Assert.True(outcome.StartsWith("ok", StringComparison.Ordinal) || outcome.StartsWith("rpc:", StringComparison.Ordinal), outcome);
            }
        }
    }

    private static readonly Marshaller<EchoRequest> EchoMarshaller = Marshallers.Create<EchoRequest>(
        (m, c) =>
        {
            c.SetPayloadLength(m.CalculateSize());
            Google.Protobuf.MessageExtensions.WriteTo(m, c.GetBufferWriter());
            c.Complete();
        },
        s_deserialize);

    /// <summary>Feeds <paramref name="bytes"/> in chunks through a pipe and reads to the end: "ok:texts" or "rpc:Code".</summary>
    private static async Task<string> ReadAllAsync(byte[] bytes, int chunk, int? maxMessageSize)
    {
        var pipe = new Pipe();
        var feeding = Task.Run(async () =>
        {
            for (var offset = 0; offset < bytes.Length; offset += chunk)
            {
                await pipe.Writer.WriteAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)));
            }
            await pipe.Writer.CompleteAsync();
        });
        var reader = new FrameReader(pipe.Reader, maxMessageSize, encoding: null);
        var texts = new List<string>();
        try
        {
            while (await reader.ReadAsync(s_deserialize, CancellationToken.None) is { } message)
            {
                texts.Add(message.Text);
            }
            return "ok:" + string.Join(',', texts);
        }
        catch (RpcException ex)
        {
            return "rpc:" + ex.StatusCode;
        }
        finally
        {
            await pipe.Reader.CompleteAsync();
            await feeding;
        }
    }
}
