using System.Buffers;

namespace Saol.Collective.Internal.Links;

/// <summary>The two halves of a ring all-reduce.</summary>
internal enum RingPhase
{
    ReduceScatter = 0,
    AllGather = 1,
}

/// <summary>
/// Identifies one segment message: which collective (the ring's own sequence number, the same on
/// every rank because every rank starts collectives in the same order), which phase and step, and
/// which chunk and segment. <see cref="TotalElements"/> lets a receiver name a length mismatch.
/// </summary>
internal readonly record struct SegmentHeader(
    long Collective,
    RingPhase Phase,
    int Step,
    int Chunk,
    int Segment,
    WireFormat Format,
    int TotalElements)
{
    public override string ToString() =>
        $"collective {Collective} {Phase} step {Step} chunk {Chunk} segment {Segment} ({Format}, buffer of {TotalElements})";
}

/// <summary>The bytes of one segment. Whoever holds a payload disposes it exactly once.</summary>
internal abstract class SegmentPayload : IDisposable
{
    public abstract ReadOnlyMemory<byte> Memory { get; }

    public abstract void Dispose();
}

/// <summary>A payload in a buffer rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
internal sealed class PooledPayload : SegmentPayload
{
    private byte[]? _array;
    private readonly int _length;

    public PooledPayload(int length)
    {
        _array = ArrayPool<byte>.Shared.Rent(length);
        _length = length;
    }

    public Span<byte> Span => (_array ?? throw new ObjectDisposedException(nameof(PooledPayload))).AsSpan(0, _length);

    public override ReadOnlyMemory<byte> Memory => (_array ?? throw new ObjectDisposedException(nameof(PooledPayload))).AsMemory(0, _length);

    public override void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}

/// <summary>One message on a ring link.</summary>
internal readonly record struct RingSegment(SegmentHeader Header, SegmentPayload Payload);
