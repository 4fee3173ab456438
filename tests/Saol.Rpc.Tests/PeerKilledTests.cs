using System.Net;
using System.Net.Sockets;
using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>
/// A peer that dies mid-call (its process killed: the kernel resets its connections), seen by a
/// client through a TCP relay whose sockets are reset on demand.
/// </summary>
public sealed class PeerKilledTests
{
    [Fact]
    public async Task ClientStream_PeerKilledWhileClientWrites_WritesAndResponseFailWithUnavailable()
    {
        await using var server = await TestServer.StartAsync();
        await using var relay = await ResettableRelay.StartAsync(new IPEndPoint(IPAddress.Loopback, server.Server.Port));
        var message = EchoService.WithPayload("big", 256 * 1024);

        // HttpClient reports the broken connection to the writer in several ways (an I/O error, a
        // cancelled write, a disposed request stream), depending on timing: several rounds meet most.
        for (var round = 0; round < 12; round++)
        {
            using var channel = RpcChannel.ForAddress($"http://127.0.0.1:{relay.Port}");
            using var call = new Echo.EchoClient(channel).ClientStream();
            await call.RequestStream.WriteAsync(message).DefaultTimeout();

            relay.ResetAll();
            RpcException? writeFailure = null;
            for (var i = 0; i < 10_000 && writeFailure is null; i++)
            {
                try
                {
                    await call.RequestStream.WriteAsync(message).DefaultTimeout();
                }
                catch (RpcException ex)
                {
                    writeFailure = ex;
                }
            }
            var responseFailure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync).DefaultTimeout();

            Assert.NotNull(writeFailure);
            Assert.Equal(StatusCode.Unavailable, writeFailure.StatusCode);
            Assert.Equal(StatusCode.Unavailable, responseFailure.StatusCode);
            Assert.Equal(StatusCode.Unavailable, call.GetStatus().StatusCode);
        }
    }

    /// <summary>Relays TCP connections to a target; <see cref="ResetAll"/> resets every relayed connection on both sides.</summary>
    private sealed class ResettableRelay : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly IPEndPoint _target;
        private readonly List<Socket> _sockets = [];
        private readonly Task _accepting;

        private ResettableRelay(TcpListener listener, IPEndPoint target)
        {
            _listener = listener;
            _target = target;
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static Task<ResettableRelay> StartAsync(IPEndPoint target)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return Task.FromResult(new ResettableRelay(listener, target));
        }

        public void ResetAll()
        {
            lock (_sockets)
            {
                foreach (var socket in _sockets)
                {
                    // Linger 0: close sends RST, as the kernel does for a killed process's sockets.
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
                _sockets.Clear();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            ResetAll();
            try
            {
                await _accepting;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task AcceptAsync()
        {
            while (true)
            {
                var inbound = await _listener.AcceptSocketAsync();
                var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await outbound.ConnectAsync(_target);
                lock (_sockets)
                {
                    _sockets.Add(inbound);
                    _sockets.Add(outbound);
                }
                _ = PumpAsync(inbound, outbound);
                _ = PumpAsync(outbound, inbound);
            }
        }

        private static async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int n;
                while ((n = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                {
                    await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
                }
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The relay was reset.
            }
        }
    }
}
