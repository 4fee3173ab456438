using Saol.Metrics.Internal;

namespace Saol.Metrics;

/// <summary>A counter family. Without labels, use <see cref="Inc"/> directly; with labels, <see cref="WithLabels"/>.</summary>
public sealed class Counter : Metric
{
    private readonly ChildSet<CounterChild> _children;

    internal Counter(string name, string help, IReadOnlyList<string> labelNames)
        : base(name, help, labelNames)
    {
        _children = new ChildSet<CounterChild>(labelNames.Count, () => new CounterChild());
    }

    /// <inheritdoc />
    public override MetricType Type => MetricType.Counter;

    /// <summary>The time series for these label values (created at 0 on first use).</summary>
    public CounterChild WithLabels(params string[] labelValues) => Child(_children, labelValues);

    /// <summary>Adds <paramref name="amount"/> (non-negative) to the unlabelled counter.</summary>
    public void Inc(double amount = 1) => Unlabelled(_children).Inc(amount);

    /// <summary>The unlabelled counter's value.</summary>
    public double Value => Unlabelled(_children).Value;

    internal override void Write(ExpositionWriter writer) => WriteValues(writer, _children, c => c.Value);
}

/// <summary>One counter time series.</summary>
public sealed class CounterChild
{
    private double _value;

    internal CounterChild()
    {
    }

    /// <summary>The current value.</summary>
    public double Value => Volatile.Read(ref _value);

    /// <summary>Adds <paramref name="amount"/>, which must be finite and non-negative (counters never go down).</summary>
    public void Inc(double amount = 1)
    {
        if (!(amount >= 0) || double.IsInfinity(amount))
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "a counter can only be increased by a finite non-negative amount");
        }
        AtomicDouble.Add(ref _value, amount);
    }
}
