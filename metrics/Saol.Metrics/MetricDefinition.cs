namespace Saol.Metrics;

/// <summary>The declaration of one metric of the product's metric set (see <see cref="SaolMetrics"/>).</summary>
/// <param name="Name">The metric name, <c>saol_&lt;thing&gt;_&lt;unit&gt;</c>; counters end in <c>_total</c>.</param>
/// <param name="Type">The metric type.</param>
/// <param name="Help">The help text.</param>
/// <param name="LabelNames">The label names (few values each; never a step number or other unbounded value).</param>
/// <param name="UpperBounds">A histogram's bucket upper bounds; empty for other types.</param>
public sealed record MetricDefinition(string Name, MetricType Type, string Help, IReadOnlyList<string> LabelNames, IReadOnlyList<double> UpperBounds)
{
    /// <summary>Creates this metric in <paramref name="registry"/> (or returns the one registered already).</summary>
    public Metric Register(MetricRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return Type switch
        {
            MetricType.Counter => registry.CreateCounter(Name, Help, [.. LabelNames]),
            MetricType.Gauge => registry.CreateGauge(Name, Help, [.. LabelNames]),
            MetricType.Histogram => registry.CreateHistogram(Name, Help, UpperBounds, [.. LabelNames]),
            _ => throw new InvalidOperationException($"unknown metric type {Type}"),
        };
    }
}
