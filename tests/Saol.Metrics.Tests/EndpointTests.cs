using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Saol.TestKit;
using Xunit;

namespace Saol.Metrics.Tests;

public sealed class EndpointTests
{
    [Fact]
    public async Task MetricsServer_Get_ServesExpositionWithContentType()
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("saol_test_hits_total", "Hits.").Inc(41);
        await using var server = await MetricsServer.StartAsync(registry, new IPEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        Assert.Equal("/metrics", server.Url.AbsolutePath);
        Assert.NotEqual(0, server.Url.Port);
        using var http = new HttpClient();
        using var response = await http.GetAsync(server.Url).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(registry.Expose(), await response.Content.ReadAsStringAsync().DefaultTimeout());
    }

    [Fact]
    public async Task MetricsServer_Probes_HealthAlwaysReadyFollowsCallback()
    {
        var ready = false;
        await using var server = await MetricsServer.StartAsync(new MetricRegistry(), new IPEndPoint(IPAddress.Loopback, 0), readiness: () => ready).DefaultTimeout();
        using var http = new HttpClient();
        using (var health = await http.GetAsync(new Uri(server.Url, MetricsServer.HealthPath)).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        using (var notReady = await http.GetAsync(new Uri(server.Url, MetricsServer.ReadyPath)).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        }
        ready = true;
        using (var nowReady = await http.GetAsync(new Uri(server.Url, MetricsServer.ReadyPath)).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, nowReady.StatusCode);
        }
    }

    [Fact]
    public async Task MetricsServer_OtherPath_Returns404()
    {
        await using var server = await MetricsServer.StartAsync(new MetricRegistry(), new IPEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(server.Url, "/other")).DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task MetricsServer_PortInUse_ThrowsIOException()
    {
        await using var first = await MetricsServer.StartAsync(new MetricRegistry(), new IPEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        await Assert.ThrowsAsync<IOException>(() => MetricsServer.StartAsync(new MetricRegistry(), new IPEndPoint(IPAddress.Loopback, first.Url.Port))).DefaultTimeout();
    }

    [Fact]
    public async Task MetricsServer_BadPath_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => MetricsServer.StartAsync(new MetricRegistry(), new IPEndPoint(IPAddress.Loopback, 0), "metrics")).DefaultTimeout();
    }

    [Fact]
    public async Task MapSaolMetrics_OnAnExistingKestrelApp_ServesBesideItsOtherEndpoints()
    {
        var registry = new MetricRegistry();
        registry.CreateGauge("saol_workers_live", "Live workers.").Set(3);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.MapGet("/healthz", () => "ok");
        app.MapSaolMetrics(registry, "/internal/metrics");
        await app.StartAsync().DefaultTimeout();
        var baseUrl = new Uri(app.Urls.First());
        using var http = new HttpClient { BaseAddress = baseUrl };
        Assert.Equal("ok", await http.GetStringAsync("/healthz").DefaultTimeout());
        Assert.EndsWith("saol_workers_live 3\n", await http.GetStringAsync("/internal/metrics").DefaultTimeout(), StringComparison.Ordinal);
        await app.StopAsync().DefaultTimeout();
    }

    [Fact]
    public async Task Scrape_CollectCallbackThrows_Returns500AndServerKeepsServing()
    {
        var registry = new MetricRegistry();
        var fail = true;
        registry.AddCollectCallback(() =>
        {
            if (fail)
            {
                throw new InvalidOperationException("store unreachable");
            }
        });
        await using var server = await MetricsServer.StartAsync(registry, new IPEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        using var http = new HttpClient();
        using (var response = await http.GetAsync(server.Url).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }
        fail = false;
        using (var response = await http.GetAsync(server.Url).DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
