using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Saol.Metrics;

/// <summary>
/// A standalone Kestrel listener serving one registry at <see cref="MetricsEndpoint.DefaultPath"/>, for processes
/// that host no other HTTP endpoint (or want metrics on their own port, as the Kubernetes manifests do). It also
/// answers the probes: <c>/healthz</c> (200 while the process serves) and <c>/readyz</c> (200 when the readiness
/// callback says so, else 503).
/// </summary>
public sealed class MetricsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The scrape URL, with the port actually bound (useful when port 0 was asked for).</summary>
    public Uri Url { get; }

    /// <summary>The liveness probe path. "/healthz".</summary>
    public const string HealthPath = "/healthz";

    /// <summary>The readiness probe path. "/readyz".</summary>
    public const string ReadyPath = "/readyz";

    /// <summary>Starts listening on <paramref name="endpoint"/> (port 0 picks a free port) and serving <paramref name="registry"/>.</summary>
    /// <param name="registry">The metrics to serve.</param>
    /// <param name="endpoint">Where to listen.</param>
    /// <param name="path">The scrape path. Defaults to "/metrics".</param>
    /// <param name="readiness">Answers <c>/readyz</c> (for example: the state store is reachable). Defaults to always ready.</param>
    /// <param name="cancellationToken">Stops the start-up.</param>
    /// <exception cref="IOException">The address cannot be bound (in use, or not local).</exception>
    public static async Task<MetricsServer> StartAsync(MetricRegistry registry, IPEndPoint endpoint, string path = MetricsEndpoint.DefaultPath, Func<bool>? readiness = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (string.IsNullOrEmpty(path) || path[0] != '/')
        {
            throw new ArgumentException($"the metrics path must start with '/', got '{path}'", nameof(path));
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(endpoint));
        var app = builder.Build();
        app.MapSaolMetrics(registry, path);
        app.MapGet(HealthPath, () => Results.Text("ok"));
        app.MapGet(ReadyPath, () => readiness is null || readiness() ? Results.Text("ready") : Results.Text("not ready", statusCode: StatusCodes.Status503ServiceUnavailable));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var bound = new Uri(address);
        var host = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any) ? "127.0.0.1" : bound.Host;
        return new MetricsServer(app, new UriBuilder("http", host, bound.Port, path).Uri);
    }

    /// <summary>Stops listening.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
