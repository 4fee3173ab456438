using System.Threading.Channels;

namespace Saol.Collective.Internal.Links;

/// <summary>
/// The receiving side of a link: segments from the left neighbour, dispatched by collective into
/// FIFO queues (one left neighbour sends each collective's segments in order, so arrival order is
/// protocol order; the ring checks each header against what it expects next).
/// </summary>
/// <remarks>
/// A collective waiting for a segment continues synchronously on the thread that posts it (the
/// link's receiving thread): the reduction runs while the data is still in cache, with no thread
/// hop per segment. The collective hops off that thread before it returns to its caller.
/// </remarks>
internal sealed class SegmentMailbox
{
    private readonly Dictionary<long, Channel<RingSegment>> _queues = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, Func<SegmentHeader, int, LandedPayload?>> _landings = new();
    private readonly Lock _lock = new();
    private Exception? _fault;
    private Exception? _closed;

    /// <summary>The error the mailbox was faulted with, if any.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    public void Post(RingSegment segment)
    {
        Channel<RingSegment> queue;
        lock (_lock)
        {
            if (_fault is not null || _closed is not null)
            {
                segment.Payload.Dispose();
                return;
            }
            queue = QueueOf(segment.Header.Collective);
        }
        if (!queue.Writer.TryWrite(segment))
        {
            segment.Payload.Dispose();
        }
    }

    public async ValueTask<RingSegment> ReceiveAsync(long collective, CancellationToken cancellationToken)
    {
        Channel<RingSegment> queue;
        lock (_lock)
        {
            if (_fault is not null)
            {
                throw _fault;
            }
            if (_closed is not null && !_queues.ContainsKey(collective))
            {
                throw _closed;
            }
            queue = QueueOf(collective);
        }
        try
        {
            return await queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException) when ((Fault ?? Volatile.Read(ref _closed)) is { } reason)
        {
            throw reason;
        }
    }

    /// <summary>
    /// Lets a receiving link put <paramref name="collective"/>'s segments straight into their final
    /// place: <paramref name="destination"/> maps a header and payload size to the bytes to fill, or
    /// null for the usual pooled buffer. Dropped by <see cref="Release"/>.
    /// </summary>
    public void SetLanding(long collective, Func<SegmentHeader, int, LandedPayload?> destination) => _landings[collective] = destination;

    /// <summary>Where a segment's payload should land, if its collective said so.</summary>
    public LandedPayload? Landing(SegmentHeader header, int size) =>
        _fault is null && _landings.TryGetValue(header.Collective, out var destination) ? destination(header, size) : null;

    public void Release(long collective)
    {
        _landings.TryRemove(collective, out _);
        Channel<RingSegment>? queue;
        lock (_lock)
        {
            if (!_queues.Remove(collective, out queue))
            {
                return;
            }
        }
        Drain(queue);
    }

    /// <summary>
    /// The sender has finished for good: segments already queued can still be received; a receive
    /// that would wait for more fails with <paramref name="reason"/>.
    /// </summary>
    public void Close(Exception reason)
    {
        List<Channel<RingSegment>> queues;
        lock (_lock)
        {
            if (_closed is not null || _fault is not null)
            {
                return;
            }
            _closed = reason;
            queues = [.. _queues.Values];
        }
        foreach (var queue in queues)
        {
            queue.Writer.TryComplete();
        }
    }

    /// <summary>Fails every pending and later receive with <paramref name="error"/>; the first fault wins.</summary>
    public bool TryFault(Exception error)
    {
        List<Channel<RingSegment>> queues;
        lock (_lock)
        {
            if (_fault is not null)
            {
                return false;
            }
            _fault = error;
            queues = [.. _queues.Values];
            _queues.Clear();
        }
        foreach (var queue in queues)
        {
            queue.Writer.TryComplete(error);
            Drain(queue);
        }
        return true;
    }

    private Channel<RingSegment> QueueOf(long collective)
    {
        if (!_queues.TryGetValue(collective, out var queue))
        {
            queue = Channel.CreateUnbounded<RingSegment>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
            _queues.Add(collective, queue);
        }
        return queue;
    }

    private static void Drain(Channel<RingSegment> queue)
    {
        queue.Writer.TryComplete();
        while (queue.Reader.TryRead(out var left))
        {
            left.Payload.Dispose();
        }
    }
}
