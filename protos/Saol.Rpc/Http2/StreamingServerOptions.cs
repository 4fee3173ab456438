using System.Net;
using Saol.Rpc.Internal;

namespace Saol.Rpc.Http2;

/// <summary>Settings of a <see cref="StreamingServer"/>. Validated by <see cref="Validate"/>.</summary>
public sealed class StreamingServerOptions
{
    /// <summary>The address to listen on. Defaults to all IPv4 addresses.</summary>
    public IPAddress ListenAddress { get; set; } = IPAddress.Any;

    /// <summary>The port; 0 picks a free one (read it from <see cref="StreamingServer.Port"/>).</summary>
    public int Port { get; set; }

    /// <summary>When set, every call must carry <c>authorization: Bearer &lt;token&gt;</c>.</summary>
    public string? BearerToken { get; set; }

    /// <summary>The largest request message accepted, in bytes. Defaults to 64 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 64 * 1024 * 1024;

    /// <summary>The per-stream receive window advertised to clients. Defaults to 32 MiB.</summary>
    public int InitialStreamWindowSize { get; set; } = 32 * 1024 * 1024;

    /// <summary>The per-connection receive window. Defaults to 64 MiB.</summary>
    public int ConnectionWindowSize { get; set; } = 64 * 1024 * 1024;

    /// <summary>The largest frame accepted (SETTINGS_MAX_FRAME_SIZE), 16,384..16,777,215. Defaults to 4 MiB, so a segment of a few MB travels in one DATA frame.</summary>
    public int MaxFrameSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Whether an unexpected handler exception's message goes to the client (otherwise "the handler failed").</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ListenAddress);
        RpcOptionChecks.CheckRange(Port, 0, 65_535, nameof(Port));
        RpcOptionChecks.CheckRange(MaxReceiveMessageSize, 0, int.MaxValue, nameof(MaxReceiveMessageSize));
        RpcOptionChecks.CheckRange(InitialStreamWindowSize, Http2Protocol.DefaultWindowSize, Http2Protocol.MaxWindowSize, nameof(InitialStreamWindowSize));
        RpcOptionChecks.CheckRange(ConnectionWindowSize, Http2Protocol.DefaultWindowSize, Http2Protocol.MaxWindowSize, nameof(ConnectionWindowSize));
        RpcOptionChecks.CheckRange(MaxFrameSize, Http2Protocol.DefaultMaxFrameSize, Http2Protocol.MaxAllowedFrameSize, nameof(MaxFrameSize));
    }
}
