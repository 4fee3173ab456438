using System.Net;
using Saol.Rpc;
using Saol.Rpc.Http2;

namespace Saol.Collective.Tests.Peer;

/// <summary>N ranks in this process, each with its own WorkerPeer server on a loopback port, joined over real gRPC.</summary>
internal sealed class GrpcRing : IAsyncDisposable
{
    private GrpcRing(StreamingServer[] servers, IAllReduce[] ranks)
    {
        Servers = servers;
        Ranks = ranks;
    }

    public StreamingServer[] Servers { get; }

    public IAllReduce[] Ranks { get; }

    public static async Task<(StreamingServer Server, RingPeerService Service)> StartServerAsync()
    {
        var service = new RingPeerService();
        var server = new StreamingServer(new StreamingServerOptions { ListenAddress = IPAddress.Loopback });
        service.MapTo(server);
        await server.StartAsync();
        return (server, service);
    }

    public static async Task<GrpcRing> StartAsync(int world, CollectiveOptions options, string jobId = "job-test", long generation = 1)
    {
        var started = await Task.WhenAll(Enumerable.Range(0, world).Select(_ => StartServerAsync()));
        var addresses = started.Select(s => s.Server.LocalAddress).ToArray();
        var ranks = await Task.WhenAll(Enumerable.Range(0, world).Select(r =>
            Collectives.JoinRingAsync(started[r].Service, new RingMembership(jobId, generation, r, addresses), options)));
        return new GrpcRing([.. started.Select(s => s.Server)], ranks);
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Ranks.Select(r => r.DisposeAsync().AsTask()));
        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }
    }
}
