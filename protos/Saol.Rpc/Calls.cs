using System.Runtime.CompilerServices;
using Saol.Rpc.Internal;

namespace Saol.Rpc;

/// <summary>A unary call in flight (as <c>Grpc.Core.AsyncUnaryCall</c>); await it for the response. Disposing an unfinished call cancels it.</summary>
public sealed class AsyncUnaryCall<TResponse> : IDisposable
{
    private readonly IClientCallState _state;

    internal AsyncUnaryCall(Task<TResponse> responseAsync, IClientCallState state)
    {
        ResponseAsync = responseAsync;
        _state = state;
    }

    /// <summary>The response; faults with <see cref="RpcException"/> on a non-OK status.</summary>
    public Task<TResponse> ResponseAsync { get; }

    /// <summary>The response headers.</summary>
    public Task<Metadata> ResponseHeadersAsync => _state.ResponseHeadersAsync;

    /// <summary>The final status; throws while the call is still running.</summary>
    public Status GetStatus() => _state.GetStatus();

    /// <summary>The trailers; throws while the call is still running.</summary>
    public Metadata GetTrailers() => _state.GetTrailers();

    /// <summary>Awaits the response.</summary>
    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    /// <summary>Awaits the response with the given context behaviour.</summary>
    public ConfiguredTaskAwaitable<TResponse> ConfigureAwait(bool continueOnCapturedContext) => ResponseAsync.ConfigureAwait(continueOnCapturedContext);

    /// <inheritdoc />
    public void Dispose() => _state.Dispose();
}

/// <summary>A server-streaming call in flight (as <c>Grpc.Core.AsyncServerStreamingCall</c>). Disposing an unfinished call cancels it.</summary>
public sealed class AsyncServerStreamingCall<TResponse> : IDisposable
{
    private readonly IClientCallState _state;

    internal AsyncServerStreamingCall(IAsyncStreamReader<TResponse> responseStream, IClientCallState state)
    {
        ResponseStream = responseStream;
        _state = state;
    }

    /// <summary>The responses.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    /// <summary>The response headers.</summary>
    public Task<Metadata> ResponseHeadersAsync => _state.ResponseHeadersAsync;

    /// <summary>The final status; throws while the call is still running.</summary>
    public Status GetStatus() => _state.GetStatus();

    /// <summary>The trailers; throws while the call is still running.</summary>
    public Metadata GetTrailers() => _state.GetTrailers();

    /// <inheritdoc />
    public void Dispose() => _state.Dispose();
}

/// <summary>A client-streaming call in flight (as <c>Grpc.Core.AsyncClientStreamingCall</c>). Disposing an unfinished call cancels it.</summary>
public sealed class AsyncClientStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IClientCallState _state;

    internal AsyncClientStreamingCall(IClientStreamWriter<TRequest> requestStream, Task<TResponse> responseAsync, IClientCallState state)
    {
        RequestStream = requestStream;
        ResponseAsync = responseAsync;
        _state = state;
    }

    /// <summary>The requests; complete it to let the server answer.</summary>
    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The response; faults with <see cref="RpcException"/> on a non-OK status.</summary>
    public Task<TResponse> ResponseAsync { get; }

    /// <summary>The response headers.</summary>
    public Task<Metadata> ResponseHeadersAsync => _state.ResponseHeadersAsync;

    /// <summary>The final status; throws while the call is still running.</summary>
    public Status GetStatus() => _state.GetStatus();

    /// <summary>The trailers; throws while the call is still running.</summary>
    public Metadata GetTrailers() => _state.GetTrailers();

    /// <summary>Awaits the response.</summary>
    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    /// <summary>Awaits the response with the given context behaviour.</summary>
    public ConfiguredTaskAwaitable<TResponse> ConfigureAwait(bool continueOnCapturedContext) => ResponseAsync.ConfigureAwait(continueOnCapturedContext);

    /// <inheritdoc />
    public void Dispose() => _state.Dispose();
}

/// <summary>A bidirectional call in flight (as <c>Grpc.Core.AsyncDuplexStreamingCall</c>). Disposing an unfinished call cancels it.</summary>
public sealed class AsyncDuplexStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IClientCallState _state;

    internal AsyncDuplexStreamingCall(IClientStreamWriter<TRequest> requestStream, IAsyncStreamReader<TResponse> responseStream, IClientCallState state)
    {
        RequestStream = requestStream;
        ResponseStream = responseStream;
        _state = state;
    }

    /// <summary>The requests.</summary>
    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The responses.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    /// <summary>The response headers.</summary>
    public Task<Metadata> ResponseHeadersAsync => _state.ResponseHeadersAsync;

    /// <summary>The final status; throws while the call is still running.</summary>
    public Status GetStatus() => _state.GetStatus();

    /// <summary>The trailers; throws while the call is still running.</summary>
    public Metadata GetTrailers() => _state.GetTrailers();

    /// <inheritdoc />
    public void Dispose() => _state.Dispose();
}
