namespace Saol.Collective.Internal.Links;

/// <summary>
/// A rank's two ends of the ring: an ordered stream of segments to its right neighbour and the
/// segments arriving from its left neighbour, queued per collective in arrival order.
/// </summary>
internal interface IRingLink : IAsyncDisposable
{
    /// <summary>The right neighbour, for error messages ("rank 2 at http://127.0.0.1:5002").</summary>
    PeerDescription Right { get; }

    /// <summary>The left neighbour, for error messages.</summary>
    PeerDescription Left { get; }

    /// <summary>Queues a segment for the right neighbour, taking ownership of its payload. Segments
    /// reach the neighbour in the order they were queued.</summary>
    ValueTask SendAsync(RingSegment segment, CancellationToken cancellationToken);

    /// <summary>The next segment of <paramref name="collective"/> from the left neighbour; the caller disposes its payload.</summary>
    ValueTask<RingSegment> ReceiveAsync(long collective, CancellationToken cancellationToken);

    /// <summary>
    /// Offers where <paramref name="collective"/>'s incoming payloads may be written directly (see
    /// <see cref="SegmentMailbox.SetLanding"/>); a link may ignore it and deliver pooled payloads.
    /// </summary>
    void SetLanding(long collective, Func<SegmentHeader, int, LandedPayload?> destination);

    /// <summary>Drops the queue of a finished collective.</summary>
    void Release(long collective);

    /// <summary>Breaks the link for good: pending and later operations throw <paramref name="error"/>,
    /// and the neighbours learn of it (their streams to and from this rank end in an error).</summary>
    void Fault(Exception error);
}

/// <summary>A peer's rank and address as error messages show them.</summary>
internal readonly record struct PeerDescription(int Rank, string Address)
{
    public override string ToString() => $"rank {Rank} at {Address}";
}
