using System.Net.Security;
using Microsoft.Extensions.Logging;
using Saol.Rpc.Internal;

namespace Saol.Rpc;

/// <summary>Settings of an <see cref="RpcChannel"/>; checked by <see cref="RpcChannel.ForAddress(Uri, RpcChannelOptions?)"/>.</summary>
public sealed class RpcChannelOptions
{
    /// <summary>When set, every call carries <c>authorization: Bearer &lt;token&gt;</c>. Defaults to null.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Largest response message accepted, in bytes; larger ones fail the call RESOURCE_EXHAUSTED. Null = no limit. Defaults to 4,194,304 (gRPC's default).</summary>
    public int? MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent, in bytes; larger ones fail the call RESOURCE_EXHAUSTED before anything is sent. Null = no limit. Defaults to null.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>HTTP/2 per-stream receive window in bytes (the connection window grows dynamically up to the runtime's limit). Defaults to 16,777,216.</summary>
    public int InitialStreamWindowSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>Interval of HTTP/2 keep-alive pings; <see cref="Timeout.InfiniteTimeSpan"/> disables them. Defaults to 60 s (gRPC servers refuse much more frequent pings).</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A connection whose ping is not answered within this time is closed and its calls fail UNAVAILABLE. Defaults to 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Also ping connections that have no call in flight. Defaults to false.</summary>
    public bool KeepAliveWithoutCalls { get; set; }

    /// <summary>Time allowed to open a TCP (and TLS) connection. Defaults to 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Open more connections when a connection's concurrent-stream limit is reached. Defaults to true.</summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    /// <summary>Server certificate check for TLS; null uses the system trust store. Defaults to null.</summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidation { get; set; }

    /// <summary>Logs of failed calls. Defaults to null (no logging).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (BearerToken is { Length: 0 })
        {
            throw new ArgumentException("BearerToken must be null (none) or non-empty.", nameof(BearerToken));
        }
        RpcOptionChecks.CheckMessageSize(MaxReceiveMessageSize, nameof(MaxReceiveMessageSize));
        RpcOptionChecks.CheckMessageSize(MaxSendMessageSize, nameof(MaxSendMessageSize));
        RpcOptionChecks.CheckRange(InitialStreamWindowSize, 65_535, int.MaxValue, nameof(InitialStreamWindowSize));
        RpcOptionChecks.CheckKeepAlive(KeepAlivePingDelay, KeepAlivePingTimeout);
        if (ConnectTimeout <= TimeSpan.Zero && ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"ConnectTimeout must be positive or infinite, not {ConnectTimeout}.", nameof(ConnectTimeout));
        }
    }
}
