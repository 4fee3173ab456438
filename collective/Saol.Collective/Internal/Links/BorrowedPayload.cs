using System.Buffers;
using System.Runtime.InteropServices;

namespace Saol.Collective.Internal.Links;

/// <summary>
/// A float32 payload that is a slice of the buffer being reduced, sent without a copy. Disposing
/// it (after the link has written it) tells the collective's <see cref="SendTracker"/>; a
/// collective returns only once every payload it lent is back, so the caller never changes bytes
/// still waiting to be sent.
/// </summary>
internal sealed class BorrowedPayload : SegmentPayload
{
    private readonly FloatBytes _bytes;
    private SendTracker? _tracker;

    public BorrowedPayload(Memory<float> values, SendTracker tracker)
    {
        _bytes = new FloatBytes(values);
        _tracker = tracker;
        tracker.Lend();
    }

    public override ReadOnlyMemory<byte> Memory => _bytes.Memory;

    public override void Dispose() => Interlocked.Exchange(ref _tracker, null)?.Return();
}

/// <summary>Counts the payloads a collective has lent out and lets it wait until all are back.</summary>
internal sealed class SendTracker
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _lent = 1;

    public void Lend() => Interlocked.Increment(ref _lent);

    public void Return()
    {
        if (Interlocked.Decrement(ref _lent) == 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Stops lending and completes when every lent payload has been returned.</summary>
    public Task DrainAsync()
    {
        Return();
        return _drained.Task;
    }
}

/// <summary>Float memory viewed as bytes (Memory&lt;T&gt; has no reinterpreting cast).</summary>
internal sealed class FloatBytes(Memory<float> values) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(values.Span);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = values.Pin();
        unsafe
        {
            return new MemoryHandle((byte*)handle.Pointer + elementIndex, default, new Unpinner(handle));
        }
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Unpinner(MemoryHandle handle) : IPinnable
    {
        private MemoryHandle _handle = handle;

        public MemoryHandle Pin(int elementIndex) => throw new NotSupportedException();

        public void Unpin() => _handle.Dispose();
    }
}

/// <summary>
/// A segment whose float32 payload the link read straight into its place in the buffer being
/// reduced (an all-gather segment of a collective that said where its values go): nothing to
/// copy, nothing to return.
/// </summary>
internal sealed class LandedPayload(Memory<byte> destination) : SegmentPayload
{
    public override ReadOnlyMemory<byte> Memory => destination;

    public override void Dispose()
    {
    }
}
