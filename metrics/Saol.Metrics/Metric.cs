using Saol.Metrics.Internal;

namespace Saol.Metrics;

/// <summary>
/// A metric family: one name, help text, type and label names; one time series per distinct set of label values.
/// Create them with <see cref="MetricRegistry"/>.
/// </summary>
public abstract class Metric
{
    private protected Metric(string name, string help, IReadOnlyList<string> labelNames)
    {
        Name = name;
        Help = help;
        LabelNames = labelNames;
    }

    /// <summary>The metric's name, for example <c>saol_train_steps_total</c>.</summary>
    public string Name { get; }

    /// <summary>The help text written on the <c># HELP</c> line.</summary>
    public string Help { get; }

    /// <summary>The metric's type.</summary>
    public abstract MetricType Type { get; }

    /// <summary>The label names, in the order label values are given.</summary>
    public IReadOnlyList<string> LabelNames { get; }

    internal abstract void Write(ExpositionWriter writer);

    /// <summary>The series for <paramref name="labelValues"/>, after checking they fit the label names.</summary>
    private protected TChild Child<TChild>(ChildSet<TChild> children, string[] labelValues)
        where TChild : class
    {
        CheckLabelValues(labelValues);
        return children.Get(labelValues);
    }

    /// <summary>The single series of a family without labels.</summary>
    private protected TChild Unlabelled<TChild>(ChildSet<TChild> children)
        where TChild : class
    {
        RequireNoLabels();
        return children.Unlabelled;
    }

    /// <summary>Writes a family whose series are single values (counters and gauges).</summary>
    private protected void WriteValues<TChild>(ExpositionWriter writer, ChildSet<TChild> children, Func<TChild, double> value)
        where TChild : class
    {
        writer.WriteHeader(this);
        foreach (var (labels, child) in children.Snapshot())
        {
            writer.WriteSample(Name, LabelNames, labels, value(child));
        }
    }

    private void CheckLabelValues(string[] labelValues)
    {
        ArgumentNullException.ThrowIfNull(labelValues);
        if (labelValues.Length != LabelNames.Count)
        {
            throw new ArgumentException(
                $"metric '{Name}' has {LabelNames.Count} label(s) ({string.Join(", ", LabelNames)}) but {labelValues.Length} value(s) were given",
                nameof(labelValues));
        }
        foreach (var value in labelValues)
        {
            if (value is null)
            {
                throw new ArgumentException($"a label value of metric '{Name}' is null", nameof(labelValues));
            }
        }
    }

    private void RequireNoLabels()
    {
        if (LabelNames.Count != 0)
        {
            throw new InvalidOperationException($"metric '{Name}' has labels ({string.Join(", ", LabelNames)}): use WithLabels(...)");
        }
    }
}
