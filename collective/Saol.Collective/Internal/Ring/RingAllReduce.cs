using Microsoft.Extensions.Logging;
using Saol.Collective.Internal.Links;
using Saol.Collective.Internal.Wire;

namespace Saol.Collective.Internal.Ring;

/// <summary>
/// Ring all-reduce over an <see cref="IRingLink"/>: reduce-scatter then all-gather, N chunks cut
/// into pipelined segments.
/// </summary>
/// <remarks>
/// Order of additions, and why every rank ends bitwise identical: chunk c starts at rank c, which
/// sends its own values; each following rank c+1, c+2, … adds its own values to the partial sum
/// it received and passes it on. So chunk c is always the left fold
/// ((x_c + x_{c+1}) + x_{c+2}) + … + x_{c−1} (indices mod N) — an order fixed by the chunk index
/// and the ring, not by timing: a rank cannot add a segment before it has received the partial
/// sum it extends. The last rank of the fold, c−1, owns the chunk: it finishes the sum (divides
/// for an average), rounds it to the wire format and keeps exactly those values, then the
/// all-gather copies those bytes verbatim around the ring. Every rank therefore holds the
/// owner's bytes, whatever the wire format, and a rerun with the same ring order gives the same bits.
/// </remarks>
internal sealed partial class RingAllReduce : IAllReduce
{
    private readonly IRingLink _link;
    private readonly CollectiveOptions _options;
    private readonly ILogger _logger;
    private readonly int _bytesPerElement;
    private long _sequence;

    public RingAllReduce(IRingLink link, int rank, int worldSize, CollectiveOptions options, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        options.Validate();
        _link = link;
        Rank = rank;
        WorldSize = worldSize;
        _options = options.Clone();
        _logger = logger;
        _bytesPerElement = WireCodec.BytesPerElement(_options.WireFormat);
    }

    public int Rank { get; }

    public int WorldSize { get; }

    public async Task AllReduceAsync(Memory<float> buffer, ReduceOp op, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(op))
        {
            throw new ArgumentOutOfRangeException(nameof(op), op, "not a defined reduce operation");
        }
        // Every call takes a number, even a trivial one, so the ranks' numbering stays aligned.
        var collective = Interlocked.Increment(ref _sequence);
        if (WorldSize == 1 || buffer.IsEmpty)
        {
            return;
        }
        var layout = new RingLayout(buffer.Length, WorldSize, _options.SegmentBytes / _bytesPerElement);
        CollectiveLog.Started(_logger, collective, Rank, buffer.Length, _options.WireFormat);
        var lent = new SendTracker();
        if (_options.WireFormat == WireFormat.Float32)
        {
            _link.SetLanding(collective, (header, size) => Landing(buffer, layout, header, size, lent));
        }
        try
        {
            await ReduceScatterAsync(collective, buffer, layout, op, lent, cancellationToken).ConfigureAwait(false);
            await AllGatherAsync(collective, buffer, layout, lent, cancellationToken).ConfigureAwait(false);
            await DrainAsync(collective, lent).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var error = ex switch
            {
                CollectiveException c when c.Collective is not null => c,
                CollectiveException c => new CollectiveException($"collective {collective} failed on rank {Rank}: {c.Message}", c) { PeerRank = c.PeerRank, PeerAddress = c.PeerAddress, Collective = collective },
                OperationCanceledException when cancellationToken.IsCancellationRequested =>
                    new CollectiveException($"collective {collective} on rank {Rank} was cancelled; the ring is unusable afterwards", ex) { Collective = collective },
                _ => new CollectiveException($"collective {collective} failed on rank {Rank}: {ex.Message}", ex) { Collective = collective },
            };
            CollectiveLog.Failed(_logger, collective, Rank, error.Message);
            // A half-finished collective leaves the neighbours waiting on this rank: break the ring
            // so they fail now rather than at their timeout.
            _link.Fault(error);
            // The faulted link drops what it had queued; wait for a write in progress to stop
            // reading the caller's buffer.
            await lent.DrainAsync().WaitAsync(_options.Timeout, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw error;
        }
        finally
        {
            _link.Release(collective);
            // Segments may have run this collective on the link's receiving thread: the caller
            // continues on the thread pool, never on that thread.
            await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        }
    }

    public ValueTask DisposeAsync() => _link.DisposeAsync();

    // The link holds float32 payloads lent from the buffer until it has written them.
    private async Task DrainAsync(long collective, SendTracker lent)
    {
        try
        {
            await lent.DrainAsync().WaitAsync(_options.Timeout).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new CollectiveException(
                $"rank {Rank}: right neighbour {_link.Right} took no segment for {_options.Timeout.TotalSeconds:0.###} s (the last segments of collective {collective} were never sent)", ex)
            { PeerRank = _link.Right.Rank, PeerAddress = _link.Right.Address, Collective = collective };
        }
    }

    private async Task ReduceScatterAsync(long collective, Memory<float> buffer, RingLayout layout, ReduceOp op, SendTracker lent, CancellationToken ct)
    {
        var own = Rank;
        for (var g = 0; g < layout.SegmentCount(own); g++)
        {
            await SendAsync(Header(collective, RingPhase.ReduceScatter, 0, own, g, buffer.Length), Pack(buffer, layout, own, g, lent), ct).ConfigureAwait(false);
        }
        for (var s = 1; s < WorldSize; s++)
        {
            var chunk = layout.Behind(Rank, s);
            var owner = s == WorldSize - 1;
            for (var g = 0; g < layout.SegmentCount(chunk); g++)
            {
                var (start, length) = layout.Segment(chunk, g);
                var segment = await ReceiveAsync(Header(collective, RingPhase.ReduceScatter, s - 1, chunk, g, buffer.Length), length, ct).ConfigureAwait(false);
                using (segment.Payload)
                {
                    WireCodec.UnpackAdd(_options.WireFormat, segment.Payload.Memory.Span, buffer.Span.Slice(start, length));
                }
                if (!owner)
                {
                    await SendAsync(Header(collective, RingPhase.ReduceScatter, s, chunk, g, buffer.Length), Pack(buffer, layout, chunk, g, lent), ct).ConfigureAwait(false);
                    continue;
                }
                var values = buffer.Span.Slice(start, length);
                if (op == ReduceOp.Average)
                {
                    System.Numerics.Tensors.TensorPrimitives.Divide(values, WorldSize, values);
                }
                var final = Pack(buffer, layout, chunk, g, lent);
                if (final is PooledPayload rounded)
                {
                    // The owner keeps what the others will receive, so all ranks hold the same bits.
                    WireCodec.Unpack(_options.WireFormat, rounded.Span, values);
                }
                await SendAsync(Header(collective, RingPhase.AllGather, 0, chunk, g, buffer.Length), final, ct).ConfigureAwait(false);
            }
        }
    }

    // An all-gather segment of float32 values goes straight to its place in the buffer: the owner's
    // final bytes, which this rank keeps verbatim anyway. Only chunks this rank gathers qualify.
    private LandedPayload? Landing(Memory<float> buffer, RingLayout layout, SegmentHeader header, int size, SendTracker lent)
    {
        if (header.Phase != RingPhase.AllGather || header.Format != WireFormat.Float32 || header.TotalElements != buffer.Length
            || (uint)header.Chunk >= (uint)WorldSize || header.Chunk == layout.Behind(Rank, -1) || (uint)header.Segment >= (uint)layout.SegmentCount(header.Chunk)
            || header.Step != layout.Behind(Rank, header.Chunk))
        {
            return null;
        }
        var (start, length) = layout.Segment(header.Chunk, header.Segment);
        return length * sizeof(float) == size ? LandedPayload.TryCreate(buffer.Slice(start, length), lent) : null;
    }

    private async Task AllGatherAsync(long collective, Memory<float> buffer, RingLayout layout, SendTracker lent, CancellationToken ct)
    {
        for (var t = 0; t < WorldSize - 1; t++)
        {
            var chunk = layout.Behind(Rank, t);
            for (var g = 0; g < layout.SegmentCount(chunk); g++)
            {
                var (start, length) = layout.Segment(chunk, g);
                var segment = await ReceiveAsync(Header(collective, RingPhase.AllGather, t, chunk, g, buffer.Length), length, ct).ConfigureAwait(false);
                if (segment.Payload is LandedPayload landed)
                {
                    landed.Dispose();
                    // Already in place; forward it from there.
                    if (t < WorldSize - 2)
                    {
                        await SendAsync(segment.Header with { Step = t + 1 }, new BorrowedPayload(buffer.Slice(start, length), lent), ct).ConfigureAwait(false);
                    }
                    continue;
                }
                WireCodec.Unpack(_options.WireFormat, segment.Payload.Memory.Span, buffer.Span.Slice(start, length));
                if (t < WorldSize - 2)
                {
                    // Forward the owner's bytes untouched: no re-rounding, no copy.
                    await SendAsync(segment.Header with { Step = t + 1 }, segment.Payload, ct).ConfigureAwait(false);
                }
                else
                {
                    segment.Payload.Dispose();
                }
            }
        }
    }

    private SegmentHeader Header(long collective, RingPhase phase, int step, int chunk, int segment, int total) =>
        new(collective, phase, step, chunk, segment, _options.WireFormat, total);

    // A float32 segment is sent straight from the buffer (lent until written); the 16-bit formats are converted into a pooled buffer.
    private SegmentPayload Pack(Memory<float> buffer, RingLayout layout, int chunk, int segment, SendTracker lent)
    {
        var (start, length) = layout.Segment(chunk, segment);
        if (_options.WireFormat == WireFormat.Float32)
        {
            return new BorrowedPayload(buffer.Slice(start, length), lent);
        }
        var payload = new PooledPayload(length * _bytesPerElement);
        WireCodec.Pack(_options.WireFormat, buffer.Span.Slice(start, length), payload.Span);
        return payload;
    }

    private async ValueTask SendAsync(SegmentHeader header, SegmentPayload payload, CancellationToken ct)
    {
        var send = _link.SendAsync(new RingSegment(header, payload), ct);
        if (send.IsCompletedSuccessfully)
        {
            return;
        }
        try
        {
            await send.AsTask().WaitAsync(_options.Timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new CollectiveException(
                $"rank {Rank}: right neighbour {_link.Right} took no segment for {_options.Timeout.TotalSeconds:0.###} s ({header})", ex)
            { PeerRank = _link.Right.Rank, PeerAddress = _link.Right.Address, Collective = header.Collective };
        }
    }

    /// <summary>
    /// Before a rank blames its silent left neighbour, a short grace: that neighbour may itself be
    /// waiting on a hung rank further left and about to say so (its abort names the rank that
    /// failed first, and then fails the receive with that error instead). Null when still nothing came.
    /// </summary>
    private async Task<RingSegment?> ArrivesWithinGraceAsync(Task<RingSegment> pending, CancellationToken ct)
    {
        var grace = TimeSpan.FromMilliseconds(Math.Min(1000, _options.Timeout.TotalMilliseconds / 4));
        try
        {
            return await pending.WaitAsync(grace, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private async ValueTask<RingSegment> ReceiveAsync(SegmentHeader expected, int elements, CancellationToken ct)
    {
        RingSegment segment;
        var receive = _link.ReceiveAsync(expected.Collective, ct);
        if (receive.IsCompletedSuccessfully)
        {
            segment = receive.Result;
        }
        else
        {
            var pending = receive.AsTask();
            try
            {
                segment = await pending.WaitAsync(_options.Timeout, ct).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                if (await ArrivesWithinGraceAsync(pending, ct).ConfigureAwait(false) is { } late)
                {
                    // The left neighbour was slow, not gone.
                    return Checked(late, expected, elements);
                }
                throw new CollectiveException(
                    $"rank {Rank}: no segment from left neighbour {_link.Left} for {_options.Timeout.TotalSeconds:0.###} s, waiting for {expected}", ex)
                { PeerRank = _link.Left.Rank, PeerAddress = _link.Left.Address, Collective = expected.Collective };
            }
        }
        return Checked(segment, expected, elements);
    }

    // The segment must be the one expected next, of the expected size.
    private RingSegment Checked(RingSegment segment, SegmentHeader expected, int elements)
    {
        if (segment.Header != expected || segment.Payload.Memory.Length != elements * _bytesPerElement)
        {
            segment.Payload.Dispose();
            var detail = segment.Header.TotalElements != expected.TotalElements
                ? $"buffer lengths differ across ranks ({segment.Header.TotalElements} on {_link.Left}, {expected.TotalElements} here)"
                : segment.Header.Format != expected.Format
                    ? $"wire formats differ across ranks ({segment.Header.Format} on {_link.Left}, {expected.Format} here)"
                    : $"expected {expected} with {elements * _bytesPerElement} bytes, got {segment.Header} with {segment.Payload.Memory.Length} bytes";
            throw new CollectiveException($"rank {Rank}: protocol violation from left neighbour {_link.Left}: {detail}")
            { PeerRank = _link.Left.Rank, PeerAddress = _link.Left.Address, Collective = expected.Collective };
        }
        return segment;
    }
}
