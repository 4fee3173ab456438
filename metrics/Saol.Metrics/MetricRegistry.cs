using System.Text;
using Saol.Metrics.Internal;

namespace Saol.Metrics;

/// <summary>
/// A set of metric families and their exposition. Thread-safe: metrics are updated lock-free and may be created
/// and exposed concurrently. Families are written sorted by name, series sorted by label values.
/// </summary>
public sealed class MetricRegistry
{
    /// <summary>The Content-Type of the text exposition format 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, Metric> _metrics = new(StringComparer.Ordinal);
    private readonly List<Action> _collectCallbacks = [];

    /// <summary>
    /// Creates a counter, or returns the existing one of the same name, labels and help. The name must end in
    /// <c>_total</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A bad name or label name, or a different metric of that name exists.</exception>
    public Counter CreateCounter(string name, string help, params string[] labelNames)
    {
        MetricNaming.CheckMetricName(name);
        if (!name.EndsWith("_total", StringComparison.Ordinal))
        {
            throw new ArgumentException($"counter '{name}' must be named <thing>_<unit>_total", nameof(name));
        }
        MetricNaming.CheckLabelNames(name, labelNames, histogram: false);
        return GetOrAdd(name, help, labelNames, null, () => new Counter(name, help, [.. labelNames]));
    }

    /// <summary>Creates a gauge, or returns the existing one of the same name, labels and help.</summary>
    /// <exception cref="ArgumentException">A bad name or label name, or a different metric of that name exists.</exception>
    public Gauge CreateGauge(string name, string help, params string[] labelNames)
    {
        CheckNotCounterName(name);
        MetricNaming.CheckLabelNames(name, labelNames, histogram: false);
        return GetOrAdd(name, help, labelNames, null, () => new Gauge(name, help, [.. labelNames]));
    }

    /// <summary>
    /// Creates a histogram with the given finite, strictly increasing bucket upper bounds (+Inf is added), or
    /// returns the existing one of the same name, labels, buckets and help.
    /// </summary>
    /// <exception cref="ArgumentException">A bad name, label name or bucket list, or a different metric of that name exists.</exception>
    public Histogram CreateHistogram(string name, string help, IReadOnlyList<double> upperBounds, params string[] labelNames)
    {
        CheckNotCounterName(name);
        MetricNaming.CheckLabelNames(name, labelNames, histogram: true);
        MetricNaming.CheckBuckets(name, upperBounds);
        return GetOrAdd(name, help, labelNames, upperBounds, () => new Histogram(name, help, [.. upperBounds], [.. labelNames]));
    }

    /// <summary>
    /// Registers a callback run before every exposition, to refresh values that are cheaper to compute on demand
    /// (the number of live workers, jobs per status).
    /// </summary>
    public void AddCollectCallback(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_lock)
        {
            _collectCallbacks.Add(callback);
        }
    }

    /// <summary>The registered metric families, sorted by name.</summary>
    public IReadOnlyList<Metric> Metrics
    {
        get
        {
            lock (_lock)
            {
                return [.. _metrics.Values];
            }
        }
    }

    /// <summary>Runs the collect callbacks, then writes every family in the text exposition format 0.0.4.</summary>
    public void WriteTo(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Action[] callbacks;
        Metric[] metrics;
        lock (_lock)
        {
            callbacks = [.. _collectCallbacks];
        }
        foreach (var callback in callbacks)
        {
            callback();
        }
        lock (_lock)
        {
            metrics = [.. _metrics.Values];
        }
        var writer = new ExpositionWriter(output);
        foreach (var metric in metrics)
        {
            metric.Write(writer);
        }
    }

    /// <summary>The exposition as a string (see <see cref="WriteTo"/>).</summary>
    public string Expose()
    {
        var sb = new StringBuilder();
        using (var writer = new StringWriter(sb, System.Globalization.CultureInfo.InvariantCulture))
        {
            WriteTo(writer);
        }
        return sb.ToString();
    }

    private static void CheckNotCounterName(string name)
    {
        MetricNaming.CheckMetricName(name);
        if (name.EndsWith("_total", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' ends in _total, which is reserved for counters", nameof(name));
        }
    }

    private T GetOrAdd<T>(string name, string help, string[] labelNames, IReadOnlyList<double>? upperBounds, Func<T> create)
        where T : Metric
    {
        ArgumentNullException.ThrowIfNull(help);
        lock (_lock)
        {
            if (!_metrics.TryGetValue(name, out var existing))
            {
                var created = create();
                _metrics.Add(name, created);
                return created;
            }
            var same = existing is T
                && existing.Help == help
                && existing.LabelNames.SequenceEqual(labelNames)
                && (existing is not Histogram h || h.UpperBounds.SequenceEqual(upperBounds!));
            return same
                ? (T)existing
                : throw new ArgumentException($"metric '{name}' is registered already as a different {existing.Type.ToString().ToLowerInvariant()} (labels: {string.Join(", ", existing.LabelNames)})", nameof(name));
        }
    }
}
