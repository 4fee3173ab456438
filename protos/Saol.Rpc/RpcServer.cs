using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Saol.Rpc.Internal;

namespace Saol.Rpc;

/// <summary>
/// A gRPC server on Kestrel (HTTP/2, cleartext or TLS). Add services with
/// <see cref="AddService"/> (from a generated <c>BindService</c>), then <see cref="StartAsync"/>.
/// </summary>
public sealed class RpcServer : IAsyncDisposable
{
    private readonly RpcServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly List<ServerServiceDefinition> _services = [];
    private WebApplication? _app;

    /// <summary>Creates a server; nothing listens until <see cref="StartAsync"/>.</summary>
    public RpcServer(RpcServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <summary>The port listened on (the OS's choice when <see cref="RpcServerOptions.Port"/> was 0); valid after start.</summary>
    public int Port { get; private set; }

    /// <summary>Loopback address of the server (<c>http://127.0.0.1:port</c> or <c>https://localhost:port</c>); valid after start.</summary>
    public Uri LocalAddress => new(_options.Certificate is null ? $"http://127.0.0.1:{Port}" : $"https://localhost:{Port}");

    /// <summary>Adds a service; only before <see cref="StartAsync"/>.</summary>
    public RpcServer AddService(ServerServiceDefinition service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (_app is not null)
        {
            throw new InvalidOperationException("Services must be added before the server starts.");
        }
        _services.Add(service);
        return this;
    }

    /// <summary>Validates the options and starts listening.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The server is already started.");
        }
        _options.Validate();
        var logger = _loggerFactory.CreateLogger("Saol.Rpc.Server");
        var dispatcher = new RpcDispatcher(_services, new ServerRuntime(_options, logger));

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(_loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(ConfigureKestrel);
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        var app = builder.Build();
        app.Run(dispatcher.DispatchAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no listening address.");
        Port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
        RpcLog.ServerListening(logger, address);
    }

    /// <summary>Stops accepting calls and waits (up to the token) for running calls to finish.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void ConfigureKestrel(KestrelServerOptions kestrel)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = null;
        kestrel.Limits.MinRequestBodyDataRate = null;
        kestrel.Limits.MinResponseDataRate = null;
        // Kestrel pauses reading a connection once this much is buffered (1 MB by default), which
        // caps an HTTP/2 connection far below its flow-control window; the window bounds memory.
        kestrel.Limits.MaxRequestBufferSize = (long)_options.InitialConnectionWindowSize + (1 << 20);
        var http2 = kestrel.Limits.Http2;
        http2.InitialConnectionWindowSize = _options.InitialConnectionWindowSize;
        http2.InitialStreamWindowSize = _options.InitialStreamWindowSize;
        http2.MaxFrameSize = _options.MaxFrameSize;
        http2.MaxStreamsPerConnection = _options.MaxConcurrentStreamsPerConnection;
        http2.KeepAlivePingDelay = _options.KeepAlivePingDelay == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : _options.KeepAlivePingDelay;
        http2.KeepAlivePingTimeout = _options.KeepAlivePingTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : _options.KeepAlivePingTimeout;
        kestrel.Listen(new IPEndPoint(_options.ListenAddress, _options.Port), listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (_options.Certificate is { } certificate)
            {
                listen.UseHttps(certificate);
            }
        });
    }
}
