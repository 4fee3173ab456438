namespace Saol.Rpc.Internal;

/// <summary>The state behind a client call object: status, trailers and disposal (what Grpc.Core passes as delegates).</summary>
internal interface IClientCallState
{
    Task<Metadata> ResponseHeadersAsync { get; }

    Status GetStatus();

    Metadata GetTrailers();

    void Dispose();
}
