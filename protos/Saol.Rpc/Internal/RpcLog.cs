using Microsoft.Extensions.Logging;

namespace Saol.Rpc.Internal;

/// <summary>Every log line of the transport, with stable event ids.</summary>
internal static partial class RpcLog
{
    [LoggerMessage(1, LogLevel.Information, "RPC server listening on {Address}")]
    public static partial void ServerListening(ILogger logger, string address);

    [LoggerMessage(2, LogLevel.Debug, "Call {Method} finished with {StatusCode}")]
    public static partial void CallFinished(ILogger logger, string method, StatusCode statusCode);

    [LoggerMessage(3, LogLevel.Error, "Handler of {Method} threw an unexpected exception")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Call {Method} refused: {StatusCode} {Detail}")]
    public static partial void CallRefused(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(5, LogLevel.Debug, "Call {Method} cancelled by the client")]
    public static partial void CallCancelledByClient(ILogger logger, string method);

    [LoggerMessage(6, LogLevel.Debug, "Call {Method} exceeded its deadline")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(7, LogLevel.Debug, "Client call {Method} to {Target} failed with {StatusCode}: {Detail}")]
    public static partial void ClientCallFailed(ILogger logger, string method, string target, StatusCode statusCode, string detail);
}
