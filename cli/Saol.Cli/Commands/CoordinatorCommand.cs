using System.CommandLine;
using System.Net;
using Saol.Cli.Hosting;
using Saol.Coordinator;
using Saol.Coordinator.State;
using Saol.Rpc;

namespace Saol.Cli.Commands;

/// <summary><c>saol coordinator</c>: hosts the coordinator (gRPC API + monitor) over an in-memory or Redis state store.</summary>
internal static class CoordinatorCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "The gRPC port (0 picks a free one)", DefaultValueFactory = _ => 50051 };
        var listen = new Option<string>("--listen") { Description = "The address to listen on", DefaultValueFactory = _ => "0.0.0.0" };
        var redis = new Option<string?>("--redis") { Description = "A Redis configuration string (host:port,...); without it the state is in memory" };
        var token = new Option<string?>("--token") { Description = "Require this bearer token from clients and workers (env SAOL_TOKEN)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SAOL_TOKEN") };
        var lease = new Option<double>("--worker-lease-seconds") { Description = "A worker silent this long is gone", DefaultValueFactory = _ => 30 };
        var metrics = new Option<int?>("--metrics-port") { Description = "Serve Prometheus metrics on this port at /metrics (0 picks a free one)" };
        var command = new Command("coordinator", "Run the coordinator: the job API for the CLI and workers, heartbeats, generations, checkpoint catalog")
        {
            port, listen, redis, token, lease, metrics,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (!IPAddress.TryParse(parse.GetValue(listen), out var address))
            {
                await Console.Error.WriteLineAsync($"saol: --listen '{parse.GetValue(listen)}' is not an IP address").ConfigureAwait(false);
                return 2;
            }
            using var signal = new ShutdownSignal(ct);
            using var logging = ConsoleLogging.Create();
            var redisConfiguration = parse.GetValue(redis);
            await using var store = redisConfiguration is null
                ? StateStore.CreateInMemory()
                : await StateStore.ConnectRedisAsync(redisConfiguration, cancellationToken: signal.Token).ConfigureAwait(false);
            var options = new Saol.Coordinator.CoordinatorOptions { WorkerLease = TimeSpan.FromSeconds(parse.GetValue(lease)), MetricsPort = parse.GetValue(metrics) };
            options.HeartbeatInterval = TimeSpan.FromTicks(Math.Min(options.HeartbeatInterval.Ticks, options.WorkerLease.Ticks / 4));
            await using var server = new CoordinatorServer(store, new RpcServerOptions { ListenAddress = address, Port = parse.GetValue(port), BearerToken = parse.GetValue(token) }, options, logging);
            await server.StartAsync(signal.Token).ConfigureAwait(false);
            Console.WriteLine($"coordinator listening on {address}:{server.Port} ({(redisConfiguration is null ? "in-memory state" : "redis " + redisConfiguration)}){(server.MetricsUrl is { } url ? "; metrics at " + url : "")}");
            try
            {
                await Task.Delay(Timeout.Infinite, signal.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        });
        return command;
    }
}
