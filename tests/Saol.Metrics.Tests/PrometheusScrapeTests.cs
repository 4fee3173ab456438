using System.Net;
using Saol.TestKit;
using Xunit;

namespace Saol.Metrics.Tests;

/// <summary>A real Prometheus server scrapes our endpoint; its query API must return what we exported.</summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task Prometheus_ScrapesOurEndpoint_UpIsOneAndValuesAndEscapedLabelsRoundTrip()
    {
        var prometheus = Services.RequireExecutable("prometheus");
        var registry = new MetricRegistry();
        var m = SaolMetrics.Register(registry);
        m.TrainSteps.Inc(1234);
        m.TrainLoss.Set(0.625);
        foreach (var seconds in new[] { 0.07, 0.3, 12.0 })
        {
            m.StepDuration.Observe(seconds);
        }
        const string oddMethod = "odd \"method\" \\ with\nnewline";
        m.RpcRequests.WithLabels("SubmitJob", "OK").Inc(2);
        m.RpcRequests.WithLabels(oddMethod, "UNAVAILABLE").Inc(5);

        await using var endpoint = await MetricsServer.StartAsync(registry, new IPEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        await using var server = await PrometheusServer.StartAsync(prometheus, endpoint.Url).Timeout(TimeSpan.FromSeconds(90));

        await server.WaitAsync(async () =>
        {
            var up = await server.QueryAsync($"up{{job=\"{PrometheusServer.ScrapeJob}\"}}");
            return up.Count == 1 && up[0].Value == 1;
        }, "the first successful scrape (up == 1)").Timeout(TimeSpan.FromSeconds(90));

        var steps = Assert.Single(await server.QueryAsync("saol_train_steps_total").DefaultTimeout());
        Assert.Equal(1234, steps.Value);
        Assert.Equal(PrometheusServer.ScrapeJob, steps.Labels["job"]);
        Assert.Equal(0.625, Assert.Single(await server.QueryAsync("saol_train_loss").DefaultTimeout()).Value);
        Assert.Equal(3, Assert.Single(await server.QueryAsync("saol_step_duration_seconds_count").DefaultTimeout()).Value);
        Assert.Equal(2, Assert.Single(await server.QueryAsync("saol_step_duration_seconds_bucket{le=\"0.5\"}").DefaultTimeout()).Value);
        Assert.Equal(3, Assert.Single(await server.QueryAsync("saol_step_duration_seconds_bucket{le=\"+Inf\"}").DefaultTimeout()).Value);

        var unavailable = Assert.Single(await server.QueryAsync("saol_rpc_requests_total{code=\"UNAVAILABLE\"}").DefaultTimeout());
        Assert.Equal(oddMethod, unavailable.Labels["method"]);
        Assert.Equal(5, unavailable.Value);

        // A later value reaches Prometheus too: the scrape is live, not a one-off.
        m.TrainSteps.Inc(766);
        await server.WaitAsync(async () =>
        {
            var now = await server.QueryAsync("saol_train_steps_total");
            return now.Count == 1 && now[0].Value == 2000;
        }, "saol_train_steps_total == 2000").Timeout(TimeSpan.FromSeconds(90));
    }
}
