using Xunit;

namespace Saol.Metrics.Tests;

/// <summary>Golden-string tests of the text exposition format 0.0.4.</summary>
public sealed class ExpositionTests
{
    [Fact]
    public void Expose_EmptyRegistry_WritesNothing()
    {
        Assert.Equal("", new MetricRegistry().Expose());
    }

    [Fact]
    public void Expose_UnlabelledCounterNeverIncremented_WritesZero()
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("saol_test_events_total", "Events seen.");
        Assert.Equal(
            "# HELP saol_test_events_total Events seen.\n" +
            "# TYPE saol_test_events_total counter\n" +
            "saol_test_events_total 0\n",
            registry.Expose());
    }

    [Fact]
    public void Expose_CounterAndGauge_SortedByNameWithValues()
    {
        var registry = new MetricRegistry();
        var gauge = registry.CreateGauge("saol_b_ratio", "B.");
        var counter = registry.CreateCounter("saol_a_things_total", "A.");
        counter.Inc();
        counter.Inc(2.5);
        gauge.Set(-0.125);
        Assert.Equal(
            "# HELP saol_a_things_total A.\n" +
            "# TYPE saol_a_things_total counter\n" +
            "saol_a_things_total 3.5\n" +
            "# HELP saol_b_ratio B.\n" +
            "# TYPE saol_b_ratio gauge\n" +
            "saol_b_ratio -0.125\n",
            registry.Expose());
    }

    [Fact]
    public void Expose_LabelledSeries_SortedByLabelValuesAndEscaped()
    {
        var registry = new MetricRegistry();
        var requests = registry.CreateCounter("saol_rpc_requests_total", "RPCs by method and code.", "method", "code");
        requests.WithLabels("Submit", "OK").Inc(3);
        requests.WithLabels("Heartbeat", "UNAVAILABLE").Inc();
        requests.WithLabels("Heartbeat", "OK").Inc(7);
        requests.WithLabels("odd \"quoted\" \\path\\\nnext", "OK").Inc();
        Assert.Equal(
            "# HELP saol_rpc_requests_total RPCs by method and code.\n" +
            "# TYPE saol_rpc_requests_total counter\n" +
            "saol_rpc_requests_total{method=\"Heartbeat\",code=\"OK\"} 7\n" +
            "saol_rpc_requests_total{method=\"Heartbeat\",code=\"UNAVAILABLE\"} 1\n" +
            "saol_rpc_requests_total{method=\"Submit\",code=\"OK\"} 3\n" +
            "saol_rpc_requests_total{method=\"odd \\\"quoted\\\" \\\\path\\\\\\nnext\",code=\"OK\"} 1\n",
            registry.Expose());
    }

    [Fact]
    public void Expose_LabelledFamilyWithoutSeries_WritesOnlyHeader()
    {
        var registry = new MetricRegistry();
        registry.CreateGauge("saol_jobs", "Jobs by status.", "status");
        Assert.Equal("# HELP saol_jobs Jobs by status.\n# TYPE saol_jobs gauge\n", registry.Expose());
    }

    [Fact]
    public void Expose_HelpWithBackslashAndNewline_IsEscapedButQuotesAreNot()
    {
        var registry = new MetricRegistry();
        registry.CreateGauge("saol_x_bytes", "Line one\nC:\\path \"quoted\"");
        Assert.Equal(
            "# HELP saol_x_bytes Line one\\nC:\\\\path \"quoted\"\n" +
            "# TYPE saol_x_bytes gauge\n" +
            "saol_x_bytes 0\n",
            registry.Expose());
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e-7, "1E-07")]
    [InlineData(123456789012.0, "123456789012")]
    [InlineData(1.5e300, "1.5E+300")]
    [InlineData(-0.0, "-0")]
    public void Expose_GaugeSpecialValues_WrittenInGoParsableForm(double value, string text)
    {
        var registry = new MetricRegistry();
        registry.CreateGauge("saol_v", "V.").Set(value);
        Assert.EndsWith($"\nsaol_v {text}\n", registry.Expose(), StringComparison.Ordinal);
    }

    [Fact]
    public void Expose_Histogram_CumulativeBucketsInfSumAndCount()
    {
        var registry = new MetricRegistry();
        var histogram = registry.CreateHistogram("saol_step_duration_seconds", "Step time.", [0.5, 1, 2.5]);
        foreach (var v in new[] { 0.1, 0.5, 0.75, 3, 10 })
        {
            histogram.Observe(v);
        }
        Assert.Equal(
            "# HELP saol_step_duration_seconds Step time.\n" +
            "# TYPE saol_step_duration_seconds histogram\n" +
            "saol_step_duration_seconds_bucket{le=\"0.5\"} 2\n" +
            "saol_step_duration_seconds_bucket{le=\"1\"} 3\n" +
            "saol_step_duration_seconds_bucket{le=\"2.5\"} 3\n" +
            "saol_step_duration_seconds_bucket{le=\"+Inf\"} 5\n" +
            "saol_step_duration_seconds_sum 14.35\n" +
            "saol_step_duration_seconds_count 5\n",
            registry.Expose());
    }

    [Fact]
    public void Expose_LabelledHistogram_LeComesAfterTheOtherLabels()
    {
        var registry = new MetricRegistry();
        var histogram = registry.CreateHistogram("saol_rpc_request_duration_seconds", "RPC time.", [0.01], "method");
        histogram.WithLabels("Submit").Observe(0.02);
        Assert.Equal(
            "# HELP saol_rpc_request_duration_seconds RPC time.\n" +
            "# TYPE saol_rpc_request_duration_seconds histogram\n" +
            "saol_rpc_request_duration_seconds_bucket{method=\"Submit\",le=\"0.01\"} 0\n" +
            "saol_rpc_request_duration_seconds_bucket{method=\"Submit\",le=\"+Inf\"} 1\n" +
            "saol_rpc_request_duration_seconds_sum{method=\"Submit\"} 0.02\n" +
            "saol_rpc_request_duration_seconds_count{method=\"Submit\"} 1\n",
            registry.Expose());
    }

    [Fact]
    public void Expose_CollectCallback_RunsBeforeEveryExposition()
    {
        var registry = new MetricRegistry();
        var live = registry.CreateGauge("saol_workers_live", "Live workers.");
        var calls = 0;
        registry.AddCollectCallback(() => live.Set(++calls * 4));
        Assert.EndsWith("saol_workers_live 4\n", registry.Expose(), StringComparison.Ordinal);
        Assert.EndsWith("saol_workers_live 8\n", registry.Expose(), StringComparison.Ordinal);
    }

    [Fact]
    public void Expose_FullProductMetricSet_EveryDefinitionHasHelpAndType()
    {
        var registry = new MetricRegistry();
        SaolMetrics.Register(registry);
        var text = registry.Expose();
        foreach (var definition in SaolMetrics.Definitions)
        {
            Assert.Contains($"# HELP {definition.Name} {definition.Help}\n", text, StringComparison.Ordinal);
            Assert.Contains($"# TYPE {definition.Name} {definition.Type.ToString().ToLowerInvariant()}\n", text, StringComparison.Ordinal);
        }
    }
}
