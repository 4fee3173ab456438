using Saol.Coordinator.State;
using Saol.Rpc;
using Saol.TestKit;
using Pb = Saol.Protos.V1;

namespace Saol.Coordinator.Tests;

/// <summary>A coordinator on a free loopback port over an in-memory store, and a client of it: the control plane of a job in one process.</summary>
internal sealed class LoopbackCoordinator : IAsyncDisposable
{
    private readonly IStateStore _store;
    private readonly RpcChannel _channel;

    private LoopbackCoordinator(IStateStore store, CoordinatorServer server, RpcChannel channel)
    {
        _store = store;
        Server = server;
        _channel = channel;
        Client = new Pb.CoordinatorService.CoordinatorServiceClient(channel);
    }

    /// <summary>Heartbeats and the monitor every 200 ms, so generations form and end quickly.</summary>
    public static CoordinatorOptions Fast(int? metricsPort = null) => new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        WorkerLease = TimeSpan.FromSeconds(10),
        MonitorInterval = TimeSpan.FromMilliseconds(200),
        MetricsPort = metricsPort,
    };

    public CoordinatorServer Server { get; }

    public Pb.CoordinatorService.CoordinatorServiceClient Client { get; }

    public static async Task<LoopbackCoordinator> StartAsync(CoordinatorOptions? options = null)
    {
        var store = StateStore.CreateInMemory();
        var server = new CoordinatorServer(store, new RpcServerOptions { ListenAddress = System.Net.IPAddress.Loopback, Port = 0 }, options ?? Fast());
        try
        {
            await server.StartAsync().DefaultTimeout();
            return new LoopbackCoordinator(store, server, RpcChannel.ForAddress(server.Address));
        }
        catch
        {
            await server.DisposeAsync();
            await store.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Server.DisposeAsync();
        await _store.DisposeAsync();
    }
}
