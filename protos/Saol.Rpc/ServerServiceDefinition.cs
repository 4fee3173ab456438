using Saol.Rpc.Internal;

namespace Saol.Rpc;

/// <summary>A service's methods bound to their handlers (as <c>Grpc.Core.ServerServiceDefinition</c>); add it to an <see cref="RpcServer"/>.</summary>
public sealed class ServerServiceDefinition
{
    private ServerServiceDefinition(IReadOnlyList<ServerMethodHandler> handlers)
    {
        Handlers = handlers;
    }

    internal IReadOnlyList<ServerMethodHandler> Handlers { get; }

    /// <summary>Starts a definition.</summary>
    public static Builder CreateBuilder() => new();

    /// <summary>Collects a service's methods.</summary>
    public sealed class Builder
    {
        private readonly List<ServerMethodHandler> _handlers = [];
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);

        internal Builder()
        {
        }

        /// <summary>Adds a unary method.</summary>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class => Add(method, ServerMethodHandler.Unary(method, handler));

        /// <summary>Adds a client-streaming method.</summary>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class => Add(method, ServerMethodHandler.ClientStreaming(method, handler));

        /// <summary>Adds a server-streaming method.</summary>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class => Add(method, ServerMethodHandler.ServerStreaming(method, handler));

        /// <summary>Adds a bidirectional method.</summary>
        public Builder AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class
            where TResponse : class => Add(method, ServerMethodHandler.Duplex(method, handler));

        /// <summary>The finished definition.</summary>
        public ServerServiceDefinition Build() => new(_handlers.ToArray());

        private Builder Add(IMethod method, ServerMethodHandler handler)
        {
            if (!_names.Add(method.FullName))
            {
                throw new ArgumentException($"Method '{method.FullName}' is already added.", nameof(method));
            }
            _handlers.Add(handler);
            return this;
        }
    }
}
