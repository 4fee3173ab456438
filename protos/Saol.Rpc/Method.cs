namespace Saol.Rpc;

/// <summary>The four call shapes (as <c>Grpc.Core.MethodType</c>).</summary>
public enum MethodType
{
    /// <summary>One request, one response.</summary>
    Unary,

    /// <summary>A stream of requests, one response.</summary>
    ClientStreaming,

    /// <summary>One request, a stream of responses.</summary>
    ServerStreaming,

    /// <summary>Streams both ways.</summary>
    DuplexStreaming,
}

/// <summary>A method's identity, independent of its message types.</summary>
public interface IMethod
{
    /// <summary>The call shape.</summary>
    MethodType Type { get; }

    /// <summary>The fully qualified service name, e.g. <c>saol.v1.CoordinatorService</c>.</summary>
    string ServiceName { get; }

    /// <summary>The method's name within its service.</summary>
    string Name { get; }

    /// <summary>The HTTP/2 path: <c>/service/method</c>.</summary>
    string FullName { get; }
}

/// <summary>A method of a service with its message marshallers (as <c>Grpc.Core.Method</c>).</summary>
public sealed class Method<TRequest, TResponse> : IMethod
{
    /// <summary>Describes a method.</summary>
    public Method(MethodType type, string serviceName, string name, Marshaller<TRequest> requestMarshaller, Marshaller<TResponse> responseMarshaller)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(requestMarshaller);
        ArgumentNullException.ThrowIfNull(responseMarshaller);
        Type = type;
        ServiceName = serviceName;
        Name = name;
        RequestMarshaller = requestMarshaller;
        ResponseMarshaller = responseMarshaller;
        FullName = "/" + serviceName + "/" + name;
    }

    /// <inheritdoc />
    public MethodType Type { get; }

    /// <inheritdoc />
    public string ServiceName { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string FullName { get; }

    /// <summary>Serializes requests and deserializes them on the server.</summary>
    public Marshaller<TRequest> RequestMarshaller { get; }

    /// <summary>Serializes responses and deserializes them on the client.</summary>
    public Marshaller<TResponse> ResponseMarshaller { get; }
}
