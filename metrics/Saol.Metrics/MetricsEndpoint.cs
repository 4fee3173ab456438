using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Saol.Metrics;

/// <summary>Mounts a registry's exposition on an ASP.NET Core (Kestrel) application.</summary>
public static class MetricsEndpoint
{
    /// <summary>The conventional scrape path. "/metrics".</summary>
    public const string DefaultPath = "/metrics";

    /// <summary>Serves <paramref name="registry"/> at <paramref name="pattern"/> (GET) in the text exposition format 0.0.4.</summary>
    public static IEndpointConventionBuilder MapSaolMetrics(this IEndpointRouteBuilder endpoints, MetricRegistry registry, string pattern = DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(registry);
        return endpoints.MapGet(pattern, context => WriteAsync(context, registry));
    }

    private static async Task WriteAsync(HttpContext context, MetricRegistry registry)
    {
        // Rendered to memory first: a failing collect callback then gives a clean 500 instead of a truncated scrape.
        var body = Encoding.UTF8.GetBytes(registry.Expose());
        context.Response.ContentType = MetricRegistry.ContentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
