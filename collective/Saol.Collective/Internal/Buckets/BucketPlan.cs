namespace Saol.Collective.Internal.Buckets;

/// <summary>
/// Which bucket holds each parameter's gradient. Parameters are taken in reverse registration
/// order — roughly the order backward produces their gradients — and packed greedily into
/// buckets of at most the configured size; a parameter larger than that gets a bucket to itself.
/// Bucket 0 therefore fills first during backward and is reduced first.
/// </summary>
internal sealed class BucketPlan
{
    private readonly int[] _bucketOf;
    private readonly int[] _offsetOf;
    private readonly int[] _bucketLength;
    private readonly int[][] _members;

    public BucketPlan(IReadOnlyList<int> parameterElements, int bucketBytes)
    {
        ArgumentNullException.ThrowIfNull(parameterElements);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 4);
        var capacity = bucketBytes / sizeof(float);
        _bucketOf = new int[parameterElements.Count];
        _offsetOf = new int[parameterElements.Count];
        var lengths = new List<int>();
        var members = new List<List<int>>();
        for (var p = parameterElements.Count - 1; p >= 0; p--)
        {
            var size = parameterElements[p];
            if (size < 0)
            {
                throw new ArgumentException($"parameter {p} has a negative element count ({size}).", nameof(parameterElements));
            }
            if (lengths.Count == 0 || (lengths[^1] > 0 && (long)lengths[^1] + size > capacity))
            {
                lengths.Add(0);
                members.Add([]);
            }
            _bucketOf[p] = lengths.Count - 1;
            _offsetOf[p] = lengths[^1];
            lengths[^1] = checked(lengths[^1] + size);
            members[^1].Add(p);
        }
        _bucketLength = [.. lengths];
        _members = [.. members.Select(m => m.ToArray())];
    }

    public int ParameterCount => _bucketOf.Length;

    public int BucketCount => _bucketLength.Length;

    public int BucketOf(int parameter) => _bucketOf[parameter];

    public int OffsetOf(int parameter) => _offsetOf[parameter];

    public int BucketLength(int bucket) => _bucketLength[bucket];

    public IReadOnlyList<int> ParametersOf(int bucket) => _members[bucket];
}
