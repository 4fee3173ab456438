using Xunit;

namespace Saol.Metrics.Tests;

public sealed class RegistryTests
{
    private static readonly string[] s_keys = ["0", "1", "2"];

    [Theory]
    [InlineData("")]
    [InlineData("1abc_total")]
    [InlineData("has-dash_total")]
    [InlineData("has space_total")]
    public void CreateCounter_InvalidName_Throws(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateCounter(name, "h"));
        Assert.Contains("metric name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateCounter_NameWithoutTotal_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateCounter("saol_steps", "h"));
        Assert.Contains("_total", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateGauge_NameEndingInTotal_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateGauge("saol_steps_total", "h"));
    }

    [Theory]
    [InlineData("__reserved")]
    [InlineData("9lives")]
    [InlineData("with-dash")]
    [InlineData("")]
    public void Create_InvalidLabelName_Throws(string label)
    {
        Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateGauge("saol_g", "h", label));
    }

    [Fact]
    public void Create_DuplicateLabelName_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateGauge("saol_g", "h", "a", "a"));
    }

    [Fact]
    public void CreateHistogram_LeLabel_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateHistogram("saol_h_seconds", "h", [1], "le"));
        Assert.Contains("'le'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new double[0])]
    [InlineData(new[] { 1.0, 1.0 })]
    [InlineData(new[] { 2.0, 1.0 })]
    [InlineData(new[] { 1.0, double.PositiveInfinity })]
    [InlineData(new[] { double.NaN })]
    public void CreateHistogram_BadBuckets_Throws(double[] buckets)
    {
        Assert.Throws<ArgumentException>(() => new MetricRegistry().CreateHistogram("saol_h_seconds", "h", buckets));
    }

    [Fact]
    public void Create_SameDefinitionTwice_ReturnsTheSameMetric()
    {
        var registry = new MetricRegistry();
        var a = registry.CreateCounter("saol_a_total", "h", "x");
        var b = registry.CreateCounter("saol_a_total", "h", "x");
        Assert.Same(a, b);
        Assert.Same(registry.CreateHistogram("saol_h_seconds", "h", [1, 2]), registry.CreateHistogram("saol_h_seconds", "h", [1, 2]));
    }

    [Fact]
    public void Create_SameNameDifferentDefinition_Throws()
    {
        var registry = new MetricRegistry();
        registry.CreateCounter("saol_a_total", "h", "x");
        Assert.Throws<ArgumentException>(() => registry.CreateCounter("saol_a_total", "h", "y"));
        Assert.Throws<ArgumentException>(() => registry.CreateCounter("saol_a_total", "other help", "x"));
        registry.CreateGauge("saol_g", "h");
        Assert.Throws<ArgumentException>(() => registry.CreateHistogram("saol_g", "h", [1]));
        registry.CreateHistogram("saol_h_seconds", "h", [1, 2]);
        Assert.Throws<ArgumentException>(() => registry.CreateHistogram("saol_h_seconds", "h", [1, 3]));
    }

    [Fact]
    public void WithLabels_WrongNumberOfValues_ThrowsNamingTheLabels()
    {
        var counter = new MetricRegistry().CreateCounter("saol_rpc_requests_total", "h", "method", "code");
        var ex = Assert.Throws<ArgumentException>(() => counter.WithLabels("Submit"));
        Assert.Contains("method, code", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => counter.WithLabels("Submit", null!));
    }

    [Fact]
    public void UnlabelledAccess_OnLabelledMetric_Throws()
    {
        var registry = new MetricRegistry();
        Assert.Throws<InvalidOperationException>(() => registry.CreateCounter("saol_a_total", "h", "x").Inc());
        Assert.Throws<InvalidOperationException>(() => registry.CreateGauge("saol_g", "h", "x").Set(1));
        Assert.Throws<InvalidOperationException>(() => registry.CreateHistogram("saol_h_seconds", "h", [1], "x").Observe(1));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void CounterInc_NegativeOrNonFinite_ThrowsAndKeepsValue(double amount)
    {
        var counter = new MetricRegistry().CreateCounter("saol_a_total", "h");
        counter.Inc(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => counter.Inc(amount));
        Assert.Equal(2, counter.Value);
    }

    [Fact]
    public void HistogramObserve_NaN_ThrowsAndRecordsNothing()
    {
        var registry = new MetricRegistry();
        var histogram = registry.CreateHistogram("saol_h_seconds", "h", [1], "x");
        var child = histogram.WithLabels("a");
        Assert.Throws<ArgumentOutOfRangeException>(() => child.Observe(double.NaN));
        Assert.Equal(0, child.Count);
        Assert.Equal(0, child.Sum);
    }

    [Fact]
    public void Gauge_IncDecSetToTime_Applied()
    {
        var gauge = new MetricRegistry().CreateGauge("saol_g", "h", "k").WithLabels("v");
        gauge.Inc(5);
        gauge.Dec(2);
        Assert.Equal(3, gauge.Value);
        gauge.SetToTime(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500));
        Assert.Equal(1_700_000_000.5, gauge.Value);
    }

    [Fact]
    public void HistogramTimer_Disposed_RecordsOneNonNegativeObservation()
    {
        var registry = new MetricRegistry();
        var histogram = registry.CreateHistogram("saol_h_seconds", "h", [1000]);
        using (histogram.StartTimer())
        {
        }
        var text = registry.Expose();
        Assert.Contains("saol_h_seconds_count 1\n", text, StringComparison.Ordinal);
        Assert.Contains("saol_h_seconds_bucket{le=\"1000\"} 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("saol_h_seconds_sum -", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Updates_FromManyThreads_AreAllCounted()
    {
        var registry = new MetricRegistry();
        var counter = registry.CreateCounter("saol_a_total", "h", "k");
        var gauge = registry.CreateGauge("saol_g", "h");
        var histogram = registry.CreateHistogram("saol_h_seconds", "h", [0.5]);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counter.WithLabels((i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
                gauge.Inc(0.5);
                histogram.Observe(i % 2);
                if (i % 1000 == 0)
                {
                    registry.Expose();
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(80_000, s_keys.Sum(k => counter.WithLabels(k).Value));
        Assert.Equal(40_000, gauge.Value);
        Assert.Contains("saol_h_seconds_bucket{le=\"0.5\"} 40000\n", registry.Expose(), StringComparison.Ordinal);
        Assert.Contains("saol_h_seconds_count 80000\n", registry.Expose(), StringComparison.Ordinal);
        Assert.Contains("saol_h_seconds_sum 40000\n", registry.Expose(), StringComparison.Ordinal);
    }

    [Fact]
    public void ProductMetricSet_NamesFollowTheConvention()
    {
        var names = SaolMetrics.Definitions.Select(d => d.Name).ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        foreach (var definition in SaolMetrics.Definitions)
        {
            Assert.StartsWith("saol_", definition.Name, StringComparison.Ordinal);
            Assert.Equal(definition.Type == MetricType.Counter, definition.Name.EndsWith("_total", StringComparison.Ordinal));
            if (definition.Type == MetricType.Histogram)
            {
                Assert.EndsWith("_seconds", definition.Name, StringComparison.Ordinal);
            }
        }
        var instruments = SaolMetrics.Register(new MetricRegistry());
        instruments.RpcRequests.WithLabels("Submit", "OK").Inc();
        instruments.CheckpointWrites.WithLabels("ok").Inc();
        instruments.Jobs.WithLabels("running").Set(1);
    }
}
