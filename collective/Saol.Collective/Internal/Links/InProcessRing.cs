namespace Saol.Collective.Internal.Links;

/// <summary>
/// N ranks in one process, each link handing its segments straight to the right neighbour's
/// mailbox (the payload changes owner; nothing is copied). The algorithm's tests and the
/// hierarchical path's local stage run on it.
/// </summary>
internal sealed class InProcessRing
{
    private readonly Link[] _links;

    public InProcessRing(int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        _links = new Link[worldSize];
        for (var r = 0; r < worldSize; r++)
        {
            _links[r] = new Link(this, r);
        }
    }

    public IRingLink this[int rank] => _links[rank];

    public int WorldSize => _links.Length;

    private sealed class Link(InProcessRing ring, int rank) : IRingLink
    {
        private readonly SegmentMailbox _mailbox = new();

        private Link RightLink => ring._links[(rank + 1) % ring.WorldSize];

        private Link LeftLink => ring._links[(rank + ring.WorldSize - 1) % ring.WorldSize];

        public PeerDescription Right => new(RightLink.Rank, "in-process");

        public PeerDescription Left => new(LeftLink.Rank, "in-process");

        private int Rank => rank;

        public ValueTask SendAsync(RingSegment segment, CancellationToken cancellationToken)
        {
            if (_mailbox.Fault is { } fault)
            {
                segment.Payload.Dispose();
                return ValueTask.FromException(fault);
            }
            RightLink._mailbox.Post(segment);
            return ValueTask.CompletedTask;
        }

        public ValueTask<RingSegment> ReceiveAsync(long collective, CancellationToken cancellationToken) =>
            _mailbox.ReceiveAsync(collective, cancellationToken);

        // Payloads change owner without a copy here: nothing to land.
        public void SetLanding(long collective, Func<SegmentHeader, int, LandedPayload?> destination)
        {
        }

        public void Release(long collective) => _mailbox.Release(collective);

        public void Fault(Exception error)
        {
            // Like a broken stream: both neighbours see their link to this rank end in an error.
            if (_mailbox.TryFault(error))
            {
                RightLink.Fault(new CollectiveException($"left neighbour rank {rank} aborted the ring: {error.Message}", error) { PeerRank = rank, PeerAddress = "in-process" });
                LeftLink.Fault(new CollectiveException($"right neighbour rank {rank} aborted the ring: {error.Message}", error) { PeerRank = rank, PeerAddress = "in-process" });
            }
        }

        public ValueTask DisposeAsync()
        {
            _mailbox.TryFault(new ObjectDisposedException(nameof(InProcessRing), $"rank {rank}'s link was disposed"));
            return ValueTask.CompletedTask;
        }
    }
}
