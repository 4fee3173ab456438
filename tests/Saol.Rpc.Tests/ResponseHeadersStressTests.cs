using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>
/// Response headers written before the request stream is read, by several servers at once — the
/// ring's link handshake: each client waits for the headers before it writes anything.
/// </summary>
public sealed class ResponseHeadersStressTests
{
    private const int Servers = 4;
    private const int Rounds = 25;

    [Fact]
    public async Task ClientStream_FourServersSendHeadersBeforeReading_EveryCallCompletes()
    {
        var servers = await Task.WhenAll(Enumerable.Range(0, Servers).Select(_ => TestServer.StartAsync()));
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                // A ring: client i links to server i+1, each link on its own new channel.
                var links = Enumerable.Range(0, Servers).Select(i => LinkAsync(servers[(i + 1) % Servers].Client(), $"r{round}-{i}"));
                var replies = await Task.WhenAll(links).DefaultTimeout();

                Assert.All(replies, reply => Assert.Equal(2, reply.Index));
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ClientStream_ManyCallsOnOneChannelSendHeadersBeforeReading_EveryCallCompletes()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client();

        for (var round = 0; round < Rounds; round++)
        {
            var replies = await Task.WhenAll(Enumerable.Range(0, Servers).Select(i => LinkAsync(client, $"r{round}-{i}"))).DefaultTimeout();

            Assert.All(replies, reply => Assert.Equal(2, reply.Index));
        }
    }

    private static async Task<EchoReply> LinkAsync(Echo.EchoClient client, string text)
    {
        using var call = client.ClientStream(new Metadata { { EchoService.HeadersFirstHeader, "1" } });
        var headers = await call.ResponseHeadersAsync;
        Assert.Equal("sent", headers.GetValue(EchoService.HeadersFirstHeader));
        await call.RequestStream.WriteAsync(EchoService.WithPayload(text, 64 * 1024));
        await call.RequestStream.WriteAsync(EchoService.WithPayload(text, 0));
        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }
}
