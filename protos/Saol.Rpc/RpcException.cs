namespace Saol.Rpc;

/// <summary>A call ended with a non-OK status (as <c>Grpc.Core.RpcException</c>); thrown by handlers to choose the status.</summary>
public class RpcException : Exception
{
    /// <summary>Creates an exception carrying <paramref name="status"/>.</summary>
    public RpcException(Status status)
        : this(status, Metadata.Empty, FormatMessage(status))
    {
    }

    /// <summary>Creates an exception carrying <paramref name="status"/> with a custom message.</summary>
    public RpcException(Status status, string message)
        : this(status, Metadata.Empty, message)
    {
    }

    /// <summary>Creates an exception carrying <paramref name="status"/> and response trailers.</summary>
    public RpcException(Status status, Metadata trailers)
        : this(status, trailers, FormatMessage(status))
    {
    }

    /// <summary>Creates an exception carrying <paramref name="status"/>, trailers and a custom message.</summary>
    public RpcException(Status status, Metadata trailers, string message)
        : base(message, status.DebugException)
    {
        ArgumentNullException.ThrowIfNull(trailers);
        Status = status;
        Trailers = trailers;
    }

    /// <summary>The status of the call.</summary>
    public Status Status { get; }

    /// <summary>Shortcut for <c>Status.StatusCode</c>.</summary>
    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>The trailers the call ended with (server side: sent with the status).</summary>
    public Metadata Trailers { get; }

    private static string FormatMessage(Status status) => status.ToString();
}
