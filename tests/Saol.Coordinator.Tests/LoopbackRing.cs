using Saol.Collective;
using Saol.Rpc;
using Saol.Rpc.Http2;

namespace Saol.Coordinator.Tests;

/// <summary>N ranks of a real ring in this process: each with its own peer service on its own loopback gRPC server.</summary>
internal sealed class LoopbackRing : IAsyncDisposable
{
    private readonly List<StreamingServer> _servers = [];
    private readonly List<IAllReduce> _ranks = [];

    public IReadOnlyList<IAllReduce> Ranks => _ranks;

    public static async Task<LoopbackRing> StartAsync(int worldSize, string jobId = "test-job", long generation = 1)
    {
        var ring = new LoopbackRing();
        var services = new List<RingPeerService>();
        for (var r = 0; r < worldSize; r++)
        {
            var service = new RingPeerService();
            var server = new StreamingServer(new StreamingServerOptions { ListenAddress = System.Net.IPAddress.Loopback, Port = 0 });
            service.MapTo(server);
            await server.StartAsync().ConfigureAwait(false);
            services.Add(service);
            ring._servers.Add(server);
        }
        var addresses = ring._servers.Select(s => s.LocalAddress).ToList();
        var joins = Enumerable.Range(0, worldSize).Select(r => Collectives.JoinRingAsync(services[r], new RingMembership(jobId, generation, r, addresses))).ToList();
        ring._ranks.AddRange(await Task.WhenAll(joins).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false));
        return ring;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var rank in _ranks)
        {
            await rank.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var server in _servers)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
