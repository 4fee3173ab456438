using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Saol.Rpc.Internal;

/// <summary>Routes HTTP/2 requests to bound methods after the checks every call gets (content type, method, credentials).</summary>
internal sealed class RpcDispatcher
{
    private readonly Dictionary<string, ServerMethodHandler> _handlers;
    private readonly ServerRuntime _runtime;

    public RpcDispatcher(IEnumerable<ServerServiceDefinition> services, ServerRuntime runtime)
    {
        _runtime = runtime;
        _handlers = new Dictionary<string, ServerMethodHandler>(StringComparer.Ordinal);
        foreach (var handler in services.SelectMany(s => s.Handlers))
        {
            if (!_handlers.TryAdd(handler.Method.FullName, handler))
            {
                throw new ArgumentException($"Method '{handler.Method.FullName}' is bound twice.", nameof(services));
            }
        }
    }

    public Task DispatchAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        if (!GrpcProtocol.IsGrpcContentType(http.Request.ContentType))
        {
            // The spec's answer to a non-gRPC content type: 415, still with a gRPC status for gRPC-aware peers.
            return RefuseAsync(http, path, StatusCodes.Status415UnsupportedMediaType, StatusCode.Internal,
                $"Content-Type '{http.Request.ContentType}' is not supported; gRPC requires application/grpc.");
        }
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            return RefuseAsync(http, path, StatusCodes.Status405MethodNotAllowed, StatusCode.Internal, $"gRPC requires POST, not {http.Request.Method}.");
        }
        // Credentials before routing, so an unauthenticated caller learns nothing about which methods exist.
        if (!_runtime.IsAuthorized(http.Request.Headers.Authorization))
        {
            return RefuseAsync(http, path, StatusCodes.Status200OK, StatusCode.Unauthenticated, "Missing or invalid bearer token.");
        }
        if (!_handlers.TryGetValue(path, out var handler))
        {
            return RefuseAsync(http, path, StatusCodes.Status200OK, StatusCode.Unimplemented, $"Method '{path}' is not implemented by this server.");
        }
        return handler.HandleAsync(http, _runtime);
    }

    private Task RefuseAsync(HttpContext http, string path, int httpStatus, StatusCode code, string detail)
    {
        RpcLog.CallRefused(_runtime.Logger, path, code, detail);
        var response = http.Response;
        response.StatusCode = httpStatus;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageHeader] = GrpcProtocol.PercentEncode(detail);
        return response.BodyWriter.CompleteAsync().AsTask();
    }
}
