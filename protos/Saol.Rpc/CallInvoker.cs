namespace Saol.Rpc;

/// <summary>Starts calls (as <c>Grpc.Core.CallInvoker</c>); generated clients call through one.</summary>
public abstract class CallInvoker
{
    /// <summary>Runs a unary call and blocks for its response (sync over async; prefer <see cref="AsyncUnaryCall{TRequest, TResponse}"/>).</summary>
    public abstract TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a unary call.</summary>
    public abstract AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a server-streaming call.</summary>
    public abstract AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a client-streaming call.</summary>
    public abstract AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class
        where TResponse : class;

    /// <summary>Starts a bidirectional call.</summary>
    public abstract AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
        where TRequest : class
        where TResponse : class;
}

/// <summary>A connection target that creates call invokers (as <c>Grpc.Core.ChannelBase</c>).</summary>
public abstract class ChannelBase
{
    /// <summary>Creates a channel for <paramref name="target"/>.</summary>
    protected ChannelBase(string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        Target = target;
    }

    /// <summary>The address this channel calls.</summary>
    public string Target { get; }

    /// <summary>A call invoker that runs calls on this channel.</summary>
    public abstract CallInvoker CreateCallInvoker();
}

/// <summary>Base of generated clients (as <c>Grpc.Core.ClientBase</c>).</summary>
public abstract class ClientBase
{
    /// <summary>For mocking: a client whose calls throw.</summary>
    protected ClientBase()
        : this(new ClientBaseConfiguration(new Internal.UnimplementedCallInvoker()))
    {
    }

    /// <summary>A client over the given configuration.</summary>
    protected ClientBase(ClientBaseConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configuration = configuration;
    }

    /// <summary>A client calling through <paramref name="channel"/>.</summary>
    protected ClientBase(ChannelBase channel)
        : this(new ClientBaseConfiguration((channel ?? throw new ArgumentNullException(nameof(channel))).CreateCallInvoker()))
    {
    }

    /// <summary>A client calling through <paramref name="callInvoker"/>.</summary>
    protected ClientBase(CallInvoker callInvoker)
        : this(new ClientBaseConfiguration(callInvoker))
    {
    }

    /// <summary>The invoker every call goes through.</summary>
    protected CallInvoker CallInvoker => Configuration.CallInvoker;

    internal ClientBaseConfiguration Configuration { get; }

    /// <summary>What a client is built from (as Grpc.Core's nested configuration type).</summary>
    protected internal sealed class ClientBaseConfiguration
    {
        internal ClientBaseConfiguration(CallInvoker callInvoker)
        {
            ArgumentNullException.ThrowIfNull(callInvoker);
            CallInvoker = callInvoker;
        }

        internal CallInvoker CallInvoker { get; }
    }
}

/// <summary>Typed base of generated clients (as <c>Grpc.Core.ClientBase&lt;T&gt;</c>).</summary>
public abstract class ClientBase<T> : ClientBase
    where T : ClientBase<T>
{
    /// <summary>For mocking: a client whose calls throw.</summary>
    protected ClientBase()
    {
    }

    /// <summary>A client over the given configuration.</summary>
    protected ClientBase(ClientBaseConfiguration configuration)
        : base(configuration)
    {
    }

    /// <summary>A client calling through <paramref name="channel"/>.</summary>
    protected ClientBase(ChannelBase channel)
        : base(channel)
    {
    }

    /// <summary>A client calling through <paramref name="callInvoker"/>.</summary>
    protected ClientBase(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    /// <summary>Creates a new client of the same type over <paramref name="configuration"/>.</summary>
    protected abstract T NewInstance(ClientBaseConfiguration configuration);
}
