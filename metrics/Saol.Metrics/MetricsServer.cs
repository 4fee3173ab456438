using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Saol.Metrics;

/// <summary>
/// A standalone Kestrel listener serving one registry at <see cref="MetricsEndpoint.DefaultPath"/>, for processes
/// that host no other HTTP endpoint (or want metrics on their own port, as the Kubernetes manifests do).
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

    /// <summary>Starts listening on <paramref name="endpoint"/> (port 0 picks a free port) and serving <paramref name="registry"/>.</summary>
    /// <exception cref="IOException">The address cannot be bound (in use, or not local).</exception>
    public static async Task<MetricsServer> StartAsync(MetricRegistry registry, IPEndPoint endpoint, string path = MetricsEndpoint.DefaultPath, CancellationToken cancellationToken = default)
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
