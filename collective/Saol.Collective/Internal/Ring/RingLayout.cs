namespace Saol.Collective.Internal.Ring;

/// <summary>
/// How a buffer is cut for the ring: N chunks as equal as integers allow (chunk c starts at
/// ⌊c·L/N⌋), each cut into segments of at most <see cref="SegmentElements"/>. A pure function
/// of (length, world size, segment size), so every rank computes the same cuts.
/// </summary>
internal readonly struct RingLayout
{
    public RingLayout(int length, int worldSize, int segmentElements)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentElements, 1);
        Length = length;
        WorldSize = worldSize;
        SegmentElements = segmentElements;
    }

    public int Length { get; }

    public int WorldSize { get; }

    public int SegmentElements { get; }

    public int ChunkStart(int chunk) => (int)((long)chunk * Length / WorldSize);

    public int ChunkLength(int chunk) => ChunkStart(chunk + 1) - ChunkStart(chunk);

    public int SegmentCount(int chunk) => (ChunkLength(chunk) + SegmentElements - 1) / SegmentElements;

    /// <summary>The element range of one segment within the whole buffer.</summary>
    public (int Start, int Length) Segment(int chunk, int segment)
    {
        var offset = segment * SegmentElements;
        return (ChunkStart(chunk) + offset, Math.Min(SegmentElements, ChunkLength(chunk) - offset));
    }

    /// <summary>The ring position <paramref name="rank"/> − <paramref name="steps"/>, wrapped into [0, N).</summary>
    public int Behind(int rank, int steps) => (((rank - steps) % WorldSize) + WorldSize) % WorldSize;
}
