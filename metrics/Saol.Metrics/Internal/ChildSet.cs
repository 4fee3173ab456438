using System.Collections.Concurrent;

namespace Saol.Metrics.Internal;

/// <summary>
/// The time series of one metric family, keyed by label values. A family without labels has exactly one series,
/// created up front so it is exported (as 0) before its first update.
/// </summary>
internal sealed class ChildSet<TChild>
    where TChild : class
{
    private readonly ConcurrentDictionary<LabelValues, TChild> _children = new();
    private readonly Func<TChild> _create;

    public ChildSet(int labelCount, Func<TChild> create)
    {
        _create = create;
        if (labelCount == 0)
        {
            Unlabelled = create();
            _children[LabelValues.Empty] = Unlabelled;
        }
        else
        {
            Unlabelled = null!;
        }
    }

    /// <summary>The single series of a family without labels (unset when the family has labels).</summary>
    public TChild Unlabelled { get; }

    public TChild Get(string[] labelValues) =>
        labelValues.Length == 0 ? Unlabelled : _children.GetOrAdd(new LabelValues([.. labelValues]), _ => _create());

    /// <summary>The series sorted by label values, so the exposition is deterministic.</summary>
    public IEnumerable<(IReadOnlyList<string> Labels, TChild Child)> Snapshot() =>
        _children.OrderBy(kv => kv.Key).Select(kv => ((IReadOnlyList<string>)kv.Key.Values, kv.Value)).ToArray();
}

/// <summary>An immutable tuple of label values with value equality and ordinal ordering.</summary>
internal sealed class LabelValues(string[] values) : IEquatable<LabelValues>, IComparable<LabelValues>
{
    public static readonly LabelValues Empty = new([]);

    public string[] Values { get; } = values;

    public bool Equals(LabelValues? other) => other is not null && Values.AsSpan().SequenceEqual(other.Values);

    public override bool Equals(object? obj) => Equals(obj as LabelValues);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var v in Values)
        {
            hash.Add(v, StringComparer.Ordinal);
        }
        return hash.ToHashCode();
    }

    public int CompareTo(LabelValues? other)
    {
        if (other is null)
        {
            return 1;
        }
        for (var i = 0; i < Math.Min(Values.Length, other.Values.Length); i++)
        {
            var c = string.CompareOrdinal(Values[i], other.Values[i]);
            if (c != 0)
            {
                return c;
            }
        }
        return Values.Length.CompareTo(other.Values.Length);
    }
}
