using Microsoft.AspNetCore.Http;

namespace Saol.Rpc.Internal;

/// <summary>One bound method: runs a call of it on an HTTP/2 request.</summary>
internal abstract class ServerMethodHandler
{
    public abstract IMethod Method { get; }

    public abstract Task HandleAsync(HttpContext httpContext, ServerRuntime runtime);

    public static ServerMethodHandler Unary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class => new ServerMethodHandler<TRequest, TResponse>(method, MethodType.Unary, handler);

    public static ServerMethodHandler ClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class => new ServerMethodHandler<TRequest, TResponse>(method, MethodType.ClientStreaming, handler);

    public static ServerMethodHandler ServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class => new ServerMethodHandler<TRequest, TResponse>(method, MethodType.ServerStreaming, handler);

    public static ServerMethodHandler Duplex<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class => new ServerMethodHandler<TRequest, TResponse>(method, MethodType.DuplexStreaming, handler);
}

/// <summary>Runs calls of one method: reads requests, invokes the handler, writes responses and the status.</summary>
internal sealed class ServerMethodHandler<TRequest, TResponse> : ServerMethodHandler
    where TRequest : class
    where TResponse : class
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly MethodType _shape;
    private readonly Delegate _handler;

    public ServerMethodHandler(Method<TRequest, TResponse> method, MethodType shape, Delegate handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method.Type != shape)
        {
            throw new ArgumentException($"Method '{method.FullName}' is {method.Type} but its handler is {shape}.", nameof(method));
        }
        _method = method;
        _shape = shape;
        _handler = handler;
    }

    public override IMethod Method => _method;

    public override async Task HandleAsync(HttpContext httpContext, ServerRuntime runtime)
    {
        using var call = new HttpServerCallContext<TRequest, TResponse>(httpContext, _method, runtime);
        Exception? failure = null;
        try
        {
            call.Start();
            switch (_shape)
            {
                case MethodType.Unary:
                {
                    var request = await call.ReadSingleRequestAsync().ConfigureAwait(false);
                    var response = await ((UnaryServerMethod<TRequest, TResponse>)_handler)(request, call).ConfigureAwait(false);
                    await call.WriteAsync(response).ConfigureAwait(false);
                    break;
                }
                case MethodType.ServerStreaming:
                {
                    var request = await call.ReadSingleRequestAsync().ConfigureAwait(false);
                    await ((ServerStreamingServerMethod<TRequest, TResponse>)_handler)(request, call, call).ConfigureAwait(false);
                    break;
                }
                case MethodType.ClientStreaming:
                {
                    var response = await ((ClientStreamingServerMethod<TRequest, TResponse>)_handler)(call, call).ConfigureAwait(false);
                    await call.WriteAsync(response).ConfigureAwait(false);
                    break;
                }
                default:
                    await ((DuplexStreamingServerMethod<TRequest, TResponse>)_handler)(call, call, call).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        await call.EndAsync(failure).ConfigureAwait(false);
    }
}
