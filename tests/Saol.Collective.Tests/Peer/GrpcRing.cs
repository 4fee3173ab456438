using System.Net;
using Saol.Rpc;

namespace Saol.Collective.Tests.Peer;

/// <summary>N ranks in this process, each with its own WorkerPeer server on a loopback port, joined over real gRPC.</summary>
internal sealed class GrpcRing : IAsyncDisposable
{
    private GrpcRing(RpcServer[] servers, IAllReduce[] ranks)
    {
        Servers = servers;
        Ranks = ranks;
    }

    public RpcServer[] Servers { get; }

    public IAllReduce[] Ranks { get; }

    public static async Task<(RpcServer Server, RingPeerService Service)> StartServerAsync()
    {
        var service = new RingPeerService();
        var server = new RpcServer(new RpcServerOptions { ListenAddress = IPAddress.Loopback });
        server.AddService(service.Definition);
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
