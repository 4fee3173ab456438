namespace Saol.Rpc;

/// <summary>What a server handler knows about its call (as <c>Grpc.Core.ServerCallContext</c>).</summary>
public abstract class ServerCallContext
{
    /// <summary>The method's path, e.g. <c>/saol.v1.CoordinatorService/SubmitJob</c>.</summary>
    public string Method => MethodCore;

    /// <summary>The <c>:authority</c> the client called.</summary>
    public string Host => HostCore;

    /// <summary>The client's address, as <c>ipv4:a.b.c.d:port</c> or <c>ipv6:[..]:port</c>.</summary>
    public string Peer => PeerCore;

    /// <summary>The call's deadline (UTC), <see cref="DateTime.MaxValue"/> when the client set none.</summary>
    public DateTime Deadline => DeadlineCore;

    /// <summary>The client's request metadata (without transport headers).</summary>
    public Metadata RequestHeaders => RequestHeadersCore;

    /// <summary>Fires when the client cancels, the connection drops or the deadline expires.</summary>
    public CancellationToken CancellationToken => CancellationTokenCore;

    /// <summary>Trailers sent with the status.</summary>
    public Metadata ResponseTrailers => ResponseTrailersCore;

    /// <summary>The status sent when the handler returns normally (OK unless set).</summary>
    public Status Status
    {
        get => StatusCore;
        set => StatusCore = value;
    }

    /// <summary>Per-call state for interceptors and handlers.</summary>
    public IDictionary<object, object> UserState => UserStateCore;

    /// <summary>Sends response headers now; at most once, before the first response message.</summary>
    public Task WriteResponseHeadersAsync(Metadata responseHeaders) => WriteResponseHeadersAsyncCore(responseHeaders);

    /// <summary>See <see cref="Method"/>.</summary>
    protected abstract string MethodCore { get; }

    /// <summary>See <see cref="Host"/>.</summary>
    protected abstract string HostCore { get; }

    /// <summary>See <see cref="Peer"/>.</summary>
    protected abstract string PeerCore { get; }

    /// <summary>See <see cref="Deadline"/>.</summary>
    protected abstract DateTime DeadlineCore { get; }

    /// <summary>See <see cref="RequestHeaders"/>.</summary>
    protected abstract Metadata RequestHeadersCore { get; }

    /// <summary>See <see cref="CancellationToken"/>.</summary>
    protected abstract CancellationToken CancellationTokenCore { get; }

    /// <summary>See <see cref="ResponseTrailers"/>.</summary>
    protected abstract Metadata ResponseTrailersCore { get; }

    /// <summary>See <see cref="Status"/>.</summary>
    protected abstract Status StatusCore { get; set; }

    /// <summary>See <see cref="UserState"/>.</summary>
    protected abstract IDictionary<object, object> UserStateCore { get; }

    /// <summary>See <see cref="WriteResponseHeadersAsync"/>.</summary>
    protected abstract Task WriteResponseHeadersAsyncCore(Metadata responseHeaders);
}
