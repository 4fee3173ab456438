using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>HTTP/2 keep-alive PINGs, seen on the wire by a frame-counting TCP proxy between our client and our server.</summary>
public sealed class KeepAliveTests
{
    // Each side pings only after hearing nothing for its delay, and a PING it receives counts as
    // hearing something, so each direction is tested with the other side's pings switched off.
    [Fact]
    public async Task KeepAlive_IdleConnection_ServerSendsPings()
    {
        var proxy = await RunIdleConnectionAsync(serverDelay: TimeSpan.FromSeconds(1), clientDelay: Timeout.InfiniteTimeSpan);
        await using (proxy)
        {
            await proxy.ServerPings(2).DefaultTimeout();
        }
    }

    [Fact]
    public async Task KeepAlive_IdleConnection_ClientSendsPings()
    {
        var proxy = await RunIdleConnectionAsync(serverDelay: Timeout.InfiniteTimeSpan, clientDelay: TimeSpan.FromSeconds(1));
        await using (proxy)
        {
            await proxy.ClientPings(2).DefaultTimeout();
        }
    }

    private static async Task<Http2FrameProxy> RunIdleConnectionAsync(TimeSpan serverDelay, TimeSpan clientDelay)
    {
        var server = await TestServer.StartAsync(configure: o => o.KeepAlivePingDelay = serverDelay);
        var proxy = await Http2FrameProxy.StartAsync(server);
        var channel = RpcChannel.ForAddress($"http://127.0.0.1:{proxy.Port}", new RpcChannelOptions
        {
            KeepAlivePingDelay = clientDelay,
            KeepAliveWithoutCalls = true,
        });
        proxy.Owns(channel);
        // One call opens the connection; then it idles and only keep-alive traffic crosses the proxy.
        var reply = await new Echo.EchoClient(channel).UnaryAsync(new EchoRequest { Text = "open" }).ResponseAsync.DefaultTimeout();
        Assert.Equal("open", reply.Text);
        // The client may send one PING to measure the round trip while data flows; count from here.
        proxy.ResetCounts();
        return proxy;
    }

    /// <summary>Forwards h2c connections to a test server (which it owns), counting PING frames (not ACKs) each way.</summary>
    private sealed class Http2FrameProxy : IAsyncDisposable
    {
        private const int PingFrameType = 0x6;
        private const byte AckFlag = 0x1;
        private static readonly int s_prefaceLength = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".Length;

        private readonly TcpListener _listener;
        private readonly TestServer _server;
        private readonly int _targetPort;
        private readonly PingCounter _clientPings = new();
        private readonly PingCounter _serverPings = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly List<TcpClient> _sockets = [];
        private Task? _accepting;
        private RpcChannel? _channel;

        private Http2FrameProxy(TcpListener listener, TestServer server)
        {
            _listener = listener;
            _server = server;
            _targetPort = server.Server.Port;
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>Completes once the client has sent <paramref name="count"/> PINGs since the last reset.</summary>
        public Task ClientPings(int count) => _clientPings.WaitFor(count);

        /// <summary>Completes once the server has sent <paramref name="count"/> PINGs since the last reset.</summary>
        public Task ServerPings(int count) => _serverPings.WaitFor(count);

        public void ResetCounts()
        {
            _clientPings.Reset();
            _serverPings.Reset();
        }

        /// <summary>Disposed with the proxy (first, so the server sees its connection close).</summary>
        public void Owns(RpcChannel channel) => _channel = channel;

        public static Task<Http2FrameProxy> StartAsync(TestServer server)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var proxy = new Http2FrameProxy(listener, server);
            proxy._accepting = proxy.AcceptAsync();
            return Task.FromResult(proxy);
        }

        public async ValueTask DisposeAsync()
        {
            _channel?.Dispose();
            await _stop.CancelAsync();
            _listener.Stop();
            lock (_sockets)
            {
                _sockets.ForEach(s => s.Dispose());
            }
            try
            {
                await _accepting!;
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
            _stop.Dispose();
            await _server.DisposeAsync();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
                var outbound = new TcpClient();
                await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                lock (_sockets)
                {
                    _sockets.Add(inbound);
                    _sockets.Add(outbound);
                }
                _ = PumpAsync(inbound.GetStream(), outbound.GetStream(), s_prefaceLength, _clientPings);
                _ = PumpAsync(outbound.GetStream(), inbound.GetStream(), 0, _serverPings);
            }
        }

        private async Task PumpAsync(NetworkStream from, NetworkStream to, int skip, PingCounter pings)
        {
            var buffer = new byte[64 * 1024];
            var header = new byte[9];
            var headerFill = 0;
            long payloadLeft = 0;
            try
            {
                int read;
                while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
                {
                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                    for (var i = 0; i < read;)
                    {
                        if (skip > 0)
                        {
                            var n = Math.Min(skip, read - i);
                            skip -= n;
                            i += n;
                        }
                        else if (payloadLeft > 0)
                        {
                            var n = (int)Math.Min(payloadLeft, read - i);
                            payloadLeft -= n;
                            i += n;
                        }
                        else
                        {
                            header[headerFill++] = buffer[i++];
                            if (headerFill == header.Length)
                            {
                                headerFill = 0;
                                payloadLeft = (header[0] << 16) | (header[1] << 8) | header[2];
                                if (header[3] == PingFrameType && (header[4] & AckFlag) == 0 && BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5)) == 0)
                                {
                                    pings.Add();
                                }
                            }
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }
    }

    private sealed class PingCounter
    {
        private readonly object _lock = new();
        private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
        private int _count;

        public void Add()
        {
            lock (_lock)
            {
                _count++;
                _waiters.RemoveAll(w => w.Count <= _count && w.Done.TrySetResult());
            }
        }

        public void Reset()
        {
            lock (_lock)
            {
                _count = 0;
            }
        }

        public Task WaitFor(int count)
        {
            lock (_lock)
            {
                if (_count >= count)
                {
                    return Task.CompletedTask;
                }
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, done));
                return done.Task;
            }
        }
    }
}
