using System.Net;
using System.Security.Cryptography.X509Certificates;
using Saol.Rpc.Internal;

namespace Saol.Rpc;

/// <summary>Settings of an <see cref="RpcServer"/>; checked by <see cref="RpcServer.StartAsync"/>.</summary>
public sealed class RpcServerOptions
{
    /// <summary>Address to listen on. Defaults to <see cref="IPAddress.Any"/>.</summary>
    public IPAddress ListenAddress { get; set; } = IPAddress.Any;

    /// <summary>TCP port; 0 lets the OS choose (read <see cref="RpcServer.Port"/> after start). Defaults to 0.</summary>
    public int Port { get; set; }

    /// <summary>Server certificate (with private key) for TLS; null serves cleartext HTTP/2 (h2c). Defaults to null.</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>When set, every call must carry <c>authorization: Bearer &lt;token&gt;</c> or it ends UNAUTHENTICATED. Defaults to null (no check).</summary>
    public string? BearerToken { get; set; }

    /// <summary>Largest request message accepted, in bytes; larger ones end the call RESOURCE_EXHAUSTED. Null = no limit. Defaults to 4,194,304 (gRPC's default).</summary>
    public int? MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent, in bytes; a handler writing a larger one gets RESOURCE_EXHAUSTED. Null = no limit. Defaults to null.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>HTTP/2 connection flow-control window in bytes (how much all streams of a connection may have in flight). Defaults to 33,554,432.</summary>
    public int InitialConnectionWindowSize { get; set; } = 32 * 1024 * 1024;

    /// <summary>HTTP/2 per-stream flow-control window in bytes. Defaults to 16,777,216, so a 1 MB-message stream never waits on window updates.</summary>
    public int InitialStreamWindowSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest HTTP/2 frame the server accepts, in bytes (16,384..16,777,215). Defaults to 1,048,576.</summary>
    public int MaxFrameSize { get; set; } = 1024 * 1024;

    /// <summary>Concurrent calls per connection. Defaults to 1,000.</summary>
    public int MaxConcurrentStreamsPerConnection { get; set; } = 1000;

    /// <summary>Interval of HTTP/2 keep-alive pings on an idle connection; <see cref="Timeout.InfiniteTimeSpan"/> disables them. Defaults to 60 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A connection whose ping is not answered within this time is closed. Defaults to 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Send the handler's exception message in <c>grpc-message</c> for unexpected exceptions (for development). Defaults to false.</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (ListenAddress is null)
        {
            throw new ArgumentException("ListenAddress must be set.", nameof(ListenAddress));
        }
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"Port must be 0..65535, not {Port}.", nameof(Port));
        }
        if (Certificate is not null && !Certificate.HasPrivateKey)
        {
            throw new ArgumentException("Certificate must carry its private key.", nameof(Certificate));
        }
        if (BearerToken is { Length: 0 })
        {
            throw new ArgumentException("BearerToken must be null (no check) or non-empty.", nameof(BearerToken));
        }
        RpcOptionChecks.CheckMessageSize(MaxReceiveMessageSize, nameof(MaxReceiveMessageSize));
        RpcOptionChecks.CheckMessageSize(MaxSendMessageSize, nameof(MaxSendMessageSize));
        RpcOptionChecks.CheckRange(InitialConnectionWindowSize, 65_535, int.MaxValue, nameof(InitialConnectionWindowSize));
        RpcOptionChecks.CheckRange(InitialStreamWindowSize, 65_535, int.MaxValue, nameof(InitialStreamWindowSize));
        RpcOptionChecks.CheckRange(MaxFrameSize, 16_384, 16_777_215, nameof(MaxFrameSize));
        RpcOptionChecks.CheckRange(MaxConcurrentStreamsPerConnection, 1, int.MaxValue, nameof(MaxConcurrentStreamsPerConnection));
        RpcOptionChecks.CheckKeepAlive(KeepAlivePingDelay, KeepAlivePingTimeout);
    }
}
