using Microsoft.Extensions.Logging;

namespace Saol.Rpc.Http2;

/// <summary>Log lines of the lean HTTP/2 streaming transport, with stable event ids.</summary>
internal static partial class StreamingLog
{
    [LoggerMessage(20, LogLevel.Information, "Streaming gRPC server listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(21, LogLevel.Warning, "HTTP/2 protocol error on the connection with {Peer} ({Code}): {Detail}")]
    public static partial void ProtocolError(ILogger logger, string peer, string code, string detail);

    [LoggerMessage(22, LogLevel.Debug, "Connection with {Peer} ended: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string peer, string reason);

    [LoggerMessage(24, LogLevel.Error, "A streaming connection failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(23, LogLevel.Warning, "Accepting a connection failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string reason);
}
