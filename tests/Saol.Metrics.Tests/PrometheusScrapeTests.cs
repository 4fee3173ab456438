using System.Net;
using System.Text.Json;
using Saol.TestKit;
using Xunit;

namespace Saol.Metrics.Tests;

/// <summary>
/// One real Prometheus server for the class, scraping a <see cref="MetricsServer"/> that serves the product's metric
/// set with known values. Outside CI a missing prometheus leaves the fixture empty and the tests skip.
/// </summary>
public sealed class ScrapedEndpointFixture : IAsyncLifetime
{
    public const string OddMethod = "odd \"method\" \\ with\nnewline";

    public MetricRegistry Registry { get; } = new();

    public SaolInstruments Metrics { get; }

    private MetricsServer? _endpoint;
    private PrometheusServer? _prometheus;

    public ScrapedEndpointFixture()
    {
        Metrics = SaolMetrics.Register(Registry);
        var m = Metrics;
        m.TrainSteps.Inc(1234);
        m.TrainImages.Inc(1234 * 64);
        m.TrainLoss.Set(0.625);
        m.TrainLearningRate.Set(1.6);
        m.TrainEpoch.Set(3);
        foreach (var seconds in new[] { 0.07, 0.3, 12.0 })
        {
            m.StepDuration.Observe(seconds);
        }
        m.AllReduceDuration.Observe(0.02);
        m.AllReduceBytes.Inc(1e9);
        m.CheckpointWrites.WithLabels("ok").Inc();
        m.CheckpointDuration.Observe(4);
        m.CheckpointLastSuccess.SetToTime(DateTimeOffset.UtcNow);
        m.WorkersLive.Set(2);
        m.Jobs.WithLabels("running").Set(1);
        m.Generations.Inc();
        m.RpcRequests.WithLabels("SubmitJob", "OK").Inc(2);
        m.RpcRequests.WithLabels(OddMethod, "UNAVAILABLE").Inc(5);
        m.RpcDuration.WithLabels("SubmitJob").Observe(0.003);
    }

    /// <summary>The running server (skips or, under CI, fails the test when prometheus is not installed).</summary>
    public PrometheusServer Prometheus
    {
        get
        {
            Services.RequireExecutable("prometheus");
            return _prometheus ?? throw new InvalidOperationException("prometheus is installed but the fixture did not start it");
        }
    }

    public async ValueTask InitializeAsync()
    {
        var prometheus = Services.FindExecutable("prometheus");
        if (prometheus is null)
        {
            return;
        }
        _endpoint = await MetricsServer.StartAsync(Registry, new IPEndPoint(IPAddress.Loopback, 0)).DefaultTimeout();
        _prometheus = await PrometheusServer.StartAsync(prometheus, _endpoint.Url).Timeout(TimeSpan.FromSeconds(90));
        var server = _prometheus;
        await server.WaitAsync(async () =>
        {
            var up = await server.QueryAsync($"up{{job=\"{PrometheusServer.ScrapeJob}\"}}");
            return up.Count == 1 && up[0].Value == 1;
        }, "the first successful scrape (up == 1)").Timeout(TimeSpan.FromSeconds(90));
    }

    public async ValueTask DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }
        if (_endpoint is not null)
        {
            await _endpoint.DisposeAsync();
        }
    }
}

/// <summary>A real Prometheus server scrapes our endpoint; its query API must return what we exported.</summary>
public sealed class PrometheusScrapeTests(ScrapedEndpointFixture fixture) : IClassFixture<ScrapedEndpointFixture>
{
    [Fact]
    public async Task Prometheus_ScrapesOurEndpoint_ValuesAndEscapedLabelsRoundTrip()
    {
        var server = fixture.Prometheus;
        var steps = Assert.Single(await server.QueryAsync("saol_train_steps_total").DefaultTimeout());
        Assert.Equal(1234, steps.Value);
        Assert.Equal(PrometheusServer.ScrapeJob, steps.Labels["job"]);
        Assert.Equal(0.625, Assert.Single(await server.QueryAsync("saol_train_loss").DefaultTimeout()).Value);
        Assert.Equal(3, Assert.Single(await server.QueryAsync("saol_step_duration_seconds_count").DefaultTimeout()).Value);
        Assert.Equal(2, Assert.Single(await server.QueryAsync("saol_step_duration_seconds_bucket{le=\"0.5\"}").DefaultTimeout()).Value);
        Assert.Equal(3, Assert.Single(await server.QueryAsync("saol_step_duration_seconds_bucket{le=\"+Inf\"}").DefaultTimeout()).Value);

        var unavailable = Assert.Single(await server.QueryAsync("saol_rpc_requests_total{code=\"UNAVAILABLE\"}").DefaultTimeout());
        Assert.Equal(ScrapedEndpointFixture.OddMethod, unavailable.Labels["method"]);
        Assert.Equal(5, unavailable.Value);
    }

    [Fact]
    public async Task Prometheus_LaterIncrement_ReachesTheServer()
    {
        var server = fixture.Prometheus;
        var images = fixture.Metrics.TrainImages;
        var target = images.Value + 1000;
        images.Inc(1000);
        await server.WaitAsync(async () =>
        {
            var now = await server.QueryAsync("saol_train_images_total");
            return now.Count == 1 && now[0].Value == target;
        }, $"saol_train_images_total == {target}").Timeout(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task GrafanaDashboard_EveryPanelQuery_EvaluatesToDataOnRealPrometheus()
    {
        var server = fixture.Prometheus;
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Repo.PathOf("k8s", "base", "grafana-dashboard.json")).DefaultTimeout());
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Title: p.GetProperty("title").GetString()!, Expr: t.GetProperty("expr").GetString()!)))
            .ToList();
        Assert.NotEmpty(queries);
        // rate() needs two samples inside its window: wait for them before judging the panels.
        await server.WaitAsync(async () => (await server.QueryAsync("rate(saol_train_steps_total[1m])")).Count == 1, "two scrapes").Timeout(TimeSpan.FromSeconds(90));
        foreach (var (title, expr) in queries)
        {
            // QueryAsync throws on a PromQL error (HTTP 400), so a typo in any panel fails here.
            var result = await server.QueryAsync(expr).DefaultTimeout();
            Assert.True(result.Count > 0, $"panel '{title}': `{expr}` returned no series");
        }
    }
}
