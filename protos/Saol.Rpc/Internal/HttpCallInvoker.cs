using System.Collections.Concurrent;

namespace Saol.Rpc.Internal;

/// <summary>Runs calls on an <see cref="RpcChannel"/>, one <see cref="ClientCall{TRequest, TResponse}"/> per call.</summary>
internal sealed class HttpCallInvoker : CallInvoker
{
    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);

    public HttpCallInvoker(RpcChannel channel)
    {
        Channel = channel;
    }

    public RpcChannel Channel { get; }

    public Uri UriOf(IMethod method) => _uris.GetOrAdd(method.FullName, static (path, address) => new Uri(address, path), Channel.Address);

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        using var call = AsyncUnaryCall(method, host, options, request);
        return call.ResponseAsync.GetAwaiter().GetResult();
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        return new AsyncUnaryCall<TResponse>(call.StartUnary(request), call);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        call.StartServerStreaming(request);
        return new AsyncServerStreamingCall<TResponse>(call, call);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        return new AsyncClientStreamingCall<TRequest, TResponse>(call, call.StartClientStreaming(), call);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = new ClientCall<TRequest, TResponse>(this, method, options);
        call.StartDuplex();
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(call, call, call);
    }
}
