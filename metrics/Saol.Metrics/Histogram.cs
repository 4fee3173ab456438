using System.Diagnostics;
using Saol.Metrics.Internal;

namespace Saol.Metrics;

/// <summary>A histogram family: observations counted into buckets with upper bounds (the implicit last one is +Inf).</summary>
public sealed class Histogram : Metric
{
    private readonly ChildSet<HistogramChild> _children;

    internal Histogram(string name, string help, IReadOnlyList<double> upperBounds, IReadOnlyList<string> labelNames)
        : base(name, help, labelNames)
    {
        UpperBounds = upperBounds;
        _children = new ChildSet<HistogramChild>(labelNames.Count, () => new HistogramChild(upperBounds));
    }

    /// <inheritdoc />
    public override MetricType Type => MetricType.Histogram;

    /// <summary>The finite bucket upper bounds, increasing.</summary>
    public IReadOnlyList<double> UpperBounds { get; }

    /// <summary>The time series for these label values (created empty on first use).</summary>
    public HistogramChild WithLabels(params string[] labelValues) => Child(_children, labelValues);

    /// <summary>Records one observation in the unlabelled histogram.</summary>
    public void Observe(double value) => Unlabelled(_children).Observe(value);

    /// <summary>Starts timing an observation of the unlabelled histogram, recorded in seconds when disposed.</summary>
    public HistogramTimer StartTimer() => Unlabelled(_children).StartTimer();

    internal override void Write(ExpositionWriter writer)
    {
        writer.WriteHeader(this);
        foreach (var (labels, child) in _children.Snapshot())
        {
            writer.WriteHistogram(this, labels, child.Snapshot());
        }
    }
}

/// <summary>One histogram time series.</summary>
public sealed class HistogramChild
{
    private readonly IReadOnlyList<double> _upperBounds;
    private readonly long[] _counts;
    private double _sum;

    internal HistogramChild(IReadOnlyList<double> upperBounds)
    {
        _upperBounds = upperBounds;
        // One count per finite bucket plus the +Inf bucket; kept non-cumulative, summed at exposition.
        _counts = new long[upperBounds.Count + 1];
    }

    /// <summary>Records one observation; NaN is refused (it would poison the sum for good).</summary>
    public void Observe(double value)
    {
        if (double.IsNaN(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "a histogram observation must not be NaN");
        }
        var bucket = 0;
        while (bucket < _upperBounds.Count && value > _upperBounds[bucket])
        {
            bucket++;
        }
        Interlocked.Increment(ref _counts[bucket]);
        AtomicDouble.Add(ref _sum, value);
    }

    /// <summary>Starts timing an observation, recorded in seconds when the timer is disposed.</summary>
    public HistogramTimer StartTimer() => new(this, Stopwatch.GetTimestamp());

    /// <summary>How many observations were recorded.</summary>
    public long Count => Snapshot().Cumulative[^1];

    /// <summary>The sum of all observations.</summary>
    public double Sum => Volatile.Read(ref _sum);

    internal (long[] Cumulative, double Sum) Snapshot()
    {
        var cumulative = new long[_counts.Length];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += Interlocked.Read(ref _counts[i]);
            cumulative[i] = running;
        }
        return (cumulative, Volatile.Read(ref _sum));
    }
}

/// <summary>Times one observation of a histogram; <see cref="Dispose"/> records the elapsed seconds.</summary>
public readonly struct HistogramTimer : IDisposable, IEquatable<HistogramTimer>
{
    private readonly HistogramChild? _child;
    private readonly long _started;

    internal HistogramTimer(HistogramChild child, long started)
    {
        _child = child;
        _started = started;
    }

    /// <summary>Records the seconds elapsed since the timer started.</summary>
    public void Dispose() => _child?.Observe(Stopwatch.GetElapsedTime(_started).TotalSeconds);

    /// <inheritdoc />
    public bool Equals(HistogramTimer other) => ReferenceEquals(_child, other._child) && _started == other._started;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is HistogramTimer other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_child, _started);

    /// <summary>Compares two timers.</summary>
    public static bool operator ==(HistogramTimer left, HistogramTimer right) => left.Equals(right);

    /// <summary>Compares two timers.</summary>
    public static bool operator !=(HistogramTimer left, HistogramTimer right) => !left.Equals(right);
}
