using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Saol.Rpc.Internal;

namespace Saol.Rpc;

/// <summary>Serves gRPC services from an ASP.NET Core pipeline the caller hosts (e.g. beside <c>/metrics</c>).</summary>
public static class RpcApplicationBuilderExtensions
{
    /// <summary>
    /// Sends requests with a gRPC content type to <paramref name="services"/>; every other request
    /// continues down the pipeline. Of <paramref name="options"/> only the per-call settings apply
    /// (bearer token, message sizes, detailed errors): listening, TLS, HTTP/2 windows and keep-alive
    /// belong to the host's Kestrel configuration, whose endpoint must speak HTTP/2.
    /// </summary>
    public static IApplicationBuilder UseRpcServices(this IApplicationBuilder app, RpcServerOptions options, params ServerServiceDefinition[] services)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        options.Validate();
        var loggerFactory = app.ApplicationServices.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var dispatcher = new RpcDispatcher(services, new ServerRuntime(options, loggerFactory.CreateLogger("Saol.Rpc.Server")));
        return app.Use(next => context =>
            GrpcProtocol.IsGrpcContentType(context.Request.ContentType) ? dispatcher.DispatchAsync(context) : next(context));
    }
}
