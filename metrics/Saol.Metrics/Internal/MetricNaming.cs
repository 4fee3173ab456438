namespace Saol.Metrics.Internal;

/// <summary>The Prometheus data model's rules for metric and label names, checked when a metric is created.</summary>
internal static class MetricNaming
{
    /// <summary>Metric names: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public static void CheckMetricName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || char.IsAsciiDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':'))
        {
            throw new ArgumentException($"'{name}' is not a valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", nameof(name));
        }
    }

    /// <summary>Label names: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, not starting with <c>__</c> (reserved), unique.</summary>
    public static void CheckLabelNames(string metricName, IReadOnlyList<string> labelNames, bool histogram)
    {
        ArgumentNullException.ThrowIfNull(labelNames);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in labelNames)
        {
            if (label is null || label.Length == 0 || char.IsAsciiDigit(label[0]) || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ArgumentException($"metric '{metricName}': '{label}' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)", nameof(labelNames));
            }
            if (label.StartsWith("__", StringComparison.Ordinal))
            {
                throw new ArgumentException($"metric '{metricName}': label names starting with '__' are reserved ('{label}')", nameof(labelNames));
            }
            if (histogram && label == "le")
            {
                throw new ArgumentException($"histogram '{metricName}': the label 'le' is reserved for bucket bounds", nameof(labelNames));
            }
            if (!seen.Add(label))
            {
                throw new ArgumentException($"metric '{metricName}': label '{label}' is given twice", nameof(labelNames));
            }
        }
    }

    public static void CheckBuckets(string metricName, IReadOnlyList<double> upperBounds)
    {
        ArgumentNullException.ThrowIfNull(upperBounds);
        if (upperBounds.Count == 0)
        {
            throw new ArgumentException($"histogram '{metricName}' needs at least one finite bucket bound", nameof(upperBounds));
        }
        for (var i = 0; i < upperBounds.Count; i++)
        {
            if (!double.IsFinite(upperBounds[i]))
            {
                throw new ArgumentException($"histogram '{metricName}': bucket bounds must be finite (+Inf is implicit), got {upperBounds[i]}", nameof(upperBounds));
            }
            if (i > 0 && upperBounds[i] <= upperBounds[i - 1])
            {
                throw new ArgumentException($"histogram '{metricName}': bucket bounds must increase strictly ({upperBounds[i - 1]} then {upperBounds[i]})", nameof(upperBounds));
            }
        }
    }
}
