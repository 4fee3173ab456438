namespace Saol.Rpc;

/// <summary>Per-call options (as <c>Grpc.Core.CallOptions</c>).</summary>
public readonly struct CallOptions
{
    /// <summary>Creates call options.</summary>
    /// <param name="headers">Request metadata sent with the call.</param>
    /// <param name="deadline">UTC time by which the call must finish (sent as <c>grpc-timeout</c>); null = none.</param>
    /// <param name="cancellationToken">Cancels the call (the server sees its cancellation token fire).</param>
    public CallOptions(Metadata? headers = null, DateTime? deadline = null, CancellationToken cancellationToken = default)
    {
        Headers = headers;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>Request metadata; null = none.</summary>
    public Metadata? Headers { get; }

    /// <summary>Deadline (UTC); null = none.</summary>
    public DateTime? Deadline { get; }

    /// <summary>Cancels the call.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>A copy with other headers.</summary>
    public CallOptions WithHeaders(Metadata headers) => new(headers, Deadline, CancellationToken);

    /// <summary>A copy with another deadline.</summary>
    public CallOptions WithDeadline(DateTime deadline) => new(Headers, deadline, CancellationToken);

    /// <summary>A copy with another cancellation token.</summary>
    public CallOptions WithCancellationToken(CancellationToken cancellationToken) => new(Headers, Deadline, cancellationToken);
}
