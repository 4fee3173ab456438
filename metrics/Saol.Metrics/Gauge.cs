using Saol.Metrics.Internal;

namespace Saol.Metrics;

/// <summary>A gauge family. Without labels, use <see cref="Set"/>/<see cref="Inc"/> directly; with labels, <see cref="WithLabels"/>.</summary>
public sealed class Gauge : Metric
{
    private readonly ChildSet<GaugeChild> _children;

    internal Gauge(string name, string help, IReadOnlyList<string> labelNames)
        : base(name, help, labelNames)
    {
        _children = new ChildSet<GaugeChild>(labelNames.Count, () => new GaugeChild());
    }

    /// <inheritdoc />
    public override MetricType Type => MetricType.Gauge;

    /// <summary>The time series for these label values (created at 0 on first use).</summary>
    public GaugeChild WithLabels(params string[] labelValues) => Child(_children, labelValues);

    /// <summary>Sets the unlabelled gauge.</summary>
    public void Set(double value) => Unlabelled(_children).Set(value);

    /// <summary>Adds <paramref name="amount"/> (may be negative) to the unlabelled gauge.</summary>
    public void Inc(double amount = 1) => Unlabelled(_children).Inc(amount);

    /// <summary>Subtracts <paramref name="amount"/> from the unlabelled gauge.</summary>
    public void Dec(double amount = 1) => Unlabelled(_children).Dec(amount);

    /// <summary>Sets the unlabelled gauge to a Unix time in seconds.</summary>
    public void SetToTime(DateTimeOffset time) => Unlabelled(_children).SetToTime(time);

    /// <summary>The unlabelled gauge's value.</summary>
    public double Value => Unlabelled(_children).Value;

    internal override void Write(ExpositionWriter writer) => WriteValues(writer, _children, g => g.Value);
}

/// <summary>One gauge time series.</summary>
public sealed class GaugeChild
{
    private double _value;

    internal GaugeChild()
    {
    }

    /// <summary>The current value.</summary>
    public double Value => Volatile.Read(ref _value);

    /// <summary>Sets the value (NaN and infinities are allowed: a loss can be NaN).</summary>
    public void Set(double value) => Volatile.Write(ref _value, value);

    /// <summary>Adds <paramref name="amount"/> (may be negative).</summary>
    public void Inc(double amount = 1) => AtomicDouble.Add(ref _value, amount);

    /// <summary>Subtracts <paramref name="amount"/>.</summary>
    public void Dec(double amount = 1) => AtomicDouble.Add(ref _value, -amount);

    /// <summary>Sets the value to a Unix time in seconds (the convention for <c>*_timestamp_seconds</c> gauges).</summary>
    public void SetToTime(DateTimeOffset time) => Set(time.ToUnixTimeMilliseconds() / 1000.0);
}
