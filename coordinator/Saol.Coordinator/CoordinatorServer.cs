using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.Service.Internal;
using Saol.Coordinator.State;
using Saol.Metrics;
using Saol.Rpc;
using Pb = Saol.Protos.V1;

namespace Saol.Coordinator;

/// <summary>
/// A running coordinator: the CoordinatorService on a gRPC server plus the monitor that expires
/// worker leases and forms generations. Owns neither the store nor its lifetime.
/// </summary>
public sealed class CoordinatorServer : IAsyncDisposable
{
    private readonly RpcServer _server;
    private readonly IStateStore _store;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SaolInstruments _metrics;
    private MetricsServer? _metricsServer;
    private Task? _monitor;
    private Task? _storeMetrics;

    /// <summary>Creates (does not start) a coordinator on <paramref name="rpcOptions"/>'s port over <paramref name="store"/>.</summary>
    public CoordinatorServer(IStateStore store, RpcServerOptions rpcOptions, CoordinatorOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(rpcOptions);
        loggerFactory ??= NullLoggerFactory.Instance;
        _store = store;
        _metrics = SaolMetrics.Register(Metrics);
        Coordinator = new JobCoordinator(store, options, loggerFactory.CreateLogger<JobCoordinator>(), metrics: _metrics);
        _server = new RpcServer(rpcOptions, loggerFactory);
        _server.AddService(Pb.CoordinatorService.BindService(new CoordinatorGrpcService(Coordinator)));
    }

    /// <summary>The coordinator's logic (for in-process callers and tests).</summary>
    public JobCoordinator Coordinator { get; }

    /// <summary>The coordinator's metrics: generations, lease expirations, and the store-derived jobs by status and live workers.</summary>
    public MetricRegistry Metrics { get; } = new();

    /// <summary>The scrape URL when <see cref="CoordinatorOptions.MetricsPort"/> is set (after <see cref="StartAsync"/>).</summary>
    public Uri? MetricsUrl => _metricsServer?.Url;

    /// <summary>The port the server listens on (known after <see cref="StartAsync"/>; 0 in the options picks a free one).</summary>
    public int Port => _server.Port;

    /// <summary>The address clients dial.</summary>
    public Uri Address => _server.LocalAddress;

    /// <summary>Starts serving and monitoring.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        if (Coordinator.Options.MetricsPort is { } port)
        {
            _metricsServer = await MetricsServer.StartAsync(Metrics, new IPEndPoint(IPAddress.Any, port), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        _monitor = RunMonitorAsync();
        _storeMetrics = RunStoreMetricsAsync();
    }

    /// <summary>Stops the monitor and the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _monitor, _storeMetrics })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(false);
            }
        }
        if (_metricsServer is not null)
        {
            await _metricsServer.DisposeAsync().ConfigureAwait(false);
        }
        await _server.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task RunStoreMetricsAsync()
    {
        try
        {
            await _store.RunAsync(_metrics, Coordinator.Options.MonitorInterval, cancellationToken: _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RunMonitorAsync()
    {
        try
        {
            await Coordinator.RunMonitorAsync(Coordinator.Options.MonitorInterval, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }
}
