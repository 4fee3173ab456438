namespace Saol.Metrics;

/// <summary>The Prometheus metric types this library writes.</summary>
public enum MetricType
{
    /// <summary>A value that only goes up (resets on process restart); the name ends in <c>_total</c>.</summary>
    Counter,

    /// <summary>A value that goes up and down.</summary>
    Gauge,

    /// <summary>Observations counted into cumulative buckets, with their sum and count.</summary>
    Histogram,
}
