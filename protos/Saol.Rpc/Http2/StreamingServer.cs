using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Saol.Rpc.Http2;

/// <summary>
/// Serves one client-streaming call: reads the request messages from <paramref name="call"/> and
/// returns the serialized response message, or throws <see cref="RpcException"/> for an error status.
/// Runs on the connection's own thread, so it may block.
/// </summary>
public delegate byte[] StreamingHandler(StreamingServerCall call);

/// <summary>
/// A lean gRPC server for client-streaming methods that move bulk data: its own HTTP/2 (h2c,
/// prior knowledge) on plain sockets, one thread per connection, request bytes read straight into
/// the handler's memory. Standard gRPC on the wire: grpcio, grpc-dotnet and <see cref="RpcChannel"/>
/// clients call it like any server.
/// </summary>
/// <remarks>
/// What it leaves out, on purpose: TLS, compression, server push, unary and server-streaming
/// methods, and more than one call at a time per connection (it says so in
/// SETTINGS_MAX_CONCURRENT_STREAMS; clients open another connection). Responses are small (one
/// frame). Use <see cref="RpcServer"/> for everything else.
/// </remarks>
public sealed class StreamingServer : IAsyncDisposable
{
    private readonly StreamingServerOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, StreamingHandler> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ServerConnection, Thread> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;
    private int _disposed;

    /// <summary>Creates a server; add methods with <see cref="Map"/>, then <see cref="StartAsync"/>.</summary>
    public StreamingServer(StreamingServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Saol.Rpc.Http2.StreamingServer");
    }

    /// <summary>The port listened on (after <see cref="StartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>The address clients on this machine use (<c>http://127.0.0.1:port</c> when listening on all addresses).</summary>
    public Uri LocalAddress => new(_options.ListenAddress.Equals(IPAddress.Any) || _options.ListenAddress.Equals(IPAddress.Loopback)
        ? $"http://127.0.0.1:{Port}"
        : _options.ListenAddress.Equals(IPAddress.IPv6Any) || _options.ListenAddress.Equals(IPAddress.IPv6Loopback)
            ? $"http://[::1]:{Port}"
            : $"http://{new IPEndPoint(_options.ListenAddress, Port)}");

    /// <summary>Connections whose thread is still running (for tests: a connection that ended has left this count).</summary>
    internal int OpenConnections => _connections.Count;

    /// <summary>Serves <paramref name="fullMethod"/> (<c>/package.Service/Method</c>) with <paramref name="handler"/>.</summary>
    public void Map(string fullMethod, StreamingHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullMethod);
        ArgumentNullException.ThrowIfNull(handler);
        if (!fullMethod.StartsWith('/') || fullMethod.Count(c => c == '/') != 2)
        {
            throw new ArgumentException($"'{fullMethod}' is not a full method name (/package.Service/Method)", nameof(fullMethod));
        }
        if (_listener is not null)
        {
            throw new InvalidOperationException("methods must be mapped before the server starts");
        }
        if (!_handlers.TryAdd(fullMethod, handler))
        {
            throw new InvalidOperationException($"{fullMethod} is already mapped");
        }
    }

    /// <summary>Binds the port and starts accepting connections.</summary>
    /// <exception cref="SocketException">The port cannot be bound.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (_listener is not null)
        {
            throw new InvalidOperationException("the server is already started");
        }
        var listener = new Socket(_options.ListenAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(_options.ListenAddress, _options.Port));
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        StreamingLog.Listening(_logger, LocalAddress.ToString());
        _accepting = AcceptLoopAsync(listener);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting, ends every connection (open calls fail on the clients' side) and waits for the connection threads.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        await _accepting.ConfigureAwait(false);
        foreach (var (connection, thread) in _connections)
        {
            connection.Close();
            thread.Join(TimeSpan.FromSeconds(5));
        }
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                StreamingLog.AcceptFailed(_logger, ex.Message);
                continue;
            }
            Http2Socket socket;
            try
            {
                socket = new Http2Socket(accepted);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The peer went away between accept and setup.
                accepted.Dispose();
                StreamingLog.AcceptFailed(_logger, ex.Message);
                continue;
            }
            var connection = new ServerConnection(socket, _options, _handlers, _logger);
            var thread = new Thread(() =>
            {
                try
                {
                    connection.Run();
                }
                catch (Exception ex)
                {
                    // A bug must not take the worker process down with it: the connection ends instead.
                    StreamingLog.ConnectionFailed(_logger, ex);
                }
                finally
                {
                    _connections.TryRemove(connection, out _);
                }
            })
            {
                IsBackground = true,
                Name = "saol-h2-server",
            };
            _connections[connection] = thread;
            thread.Start();
        }
    }
}
