namespace Saol.Collective;

/// <summary>
/// Settings of the ring all-reduce. Every rank of a ring must use the same values (the segment
/// layout and the wire format are part of the protocol). Validated by <see cref="Validate"/>,
/// which every factory calls before it creates anything.
/// </summary>
public sealed class CollectiveOptions
{
    /// <summary>The largest segment payload in bytes on the wire. Defaults to 2,097,152 (2 MiB): fewer, larger messages cost less per byte, and a 25 MB bucket still gives each of 4 ranks several segments to pipeline.</summary>
    /// <remarks>
    /// Each of the N chunks is cut into segments of at most this many wire bytes, so a rank can send
    /// segment k+1 while its neighbour is still reducing segment k (pipelining). Must be a positive
    /// multiple of 4 no larger than 2,097,152 (so a segment message stays well inside gRPC's
    /// default 4 MiB message limit).
    /// </remarks>
    public int SegmentBytes { get; set; } = 2 << 20;

    /// <summary>The element type on the wire. Defaults to <see cref="WireFormat.Float32"/>.</summary>
    /// <remarks>Accumulation is always in float32; <see cref="WireFormat.Float16"/> and
    /// <see cref="WireFormat.BFloat16"/> halve the bytes sent at the cost of rounding each hop.</remarks>
    public WireFormat WireFormat { get; set; } = WireFormat.Float32;

    /// <summary>
    /// The longest a rank waits for the next segment from its left neighbour, or for its right
    /// neighbour to take one, before it fails the collective. Defaults to 60 seconds.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The size in bytes of a gradient bucket (float32). Defaults to 26,214,400 (25 MiB).</summary>
    /// <remarks>Gradients are packed into buckets in reverse registration order (the order backward
    /// produces them); a bucket is all-reduced as soon as all of its gradients exist. A gradient
    /// larger than this gets a bucket of its own.</remarks>
    public int BucketBytes { get; set; } = 25 << 20;

    /// <summary>How many segments a rank may have queued for its right neighbour. Defaults to 16.</summary>
    public int SendQueueSegments { get; set; } = 16;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (SegmentBytes <= 0 || SegmentBytes % 4 != 0 || SegmentBytes > 2 << 20)
        {
            throw new ArgumentException($"{nameof(SegmentBytes)} must be a positive multiple of 4 no larger than 2097152, got {SegmentBytes}.");
        }
        if (!Enum.IsDefined(WireFormat))
        {
            throw new ArgumentException($"{nameof(WireFormat)} {(int)WireFormat} is not a defined wire format.");
        }
        if (Timeout <= TimeSpan.Zero || Timeout == System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"{nameof(Timeout)} must be positive and finite, got {Timeout}.");
        }
        if (BucketBytes < 4)
        {
            throw new ArgumentException($"{nameof(BucketBytes)} must hold at least one float32 value, got {BucketBytes}.");
        }
        if (SendQueueSegments < 1)
        {
            throw new ArgumentException($"{nameof(SendQueueSegments)} must be at least 1, got {SendQueueSegments}.");
        }
    }

    /// <summary>A copy, so a running ring never sees later changes.</summary>
    internal CollectiveOptions Clone() => (CollectiveOptions)MemberwiseClone();
}
