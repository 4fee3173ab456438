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
        if (!tracker.TryLend())
        {
            throw new InvalidOperationException("a collective lent its buffer after it had finished");
        }
        _bytes = new FloatBytes(values);
        _tracker = tracker;
    }

    public override ReadOnlyMemory<byte> Memory => _bytes.Memory;

    public override void Dispose() => Interlocked.Exchange(ref _tracker, null)?.Return();
}

/// <summary>Counts the payloads a collective has lent out and lets it wait until all are back.</summary>
internal sealed class SendTracker
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // One for the collective itself until it drains, plus one per payload out.
    private int _lent = 1;
    private int _draining;

    /// <summary>Counts one more payload out; false once the collective has drained (it no longer waits for any).</summary>
    public bool TryLend()
    {
        while (true)
        {
            var lent = Volatile.Read(ref _lent);
            if (lent == 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _lent, lent + 1, lent) == lent)
            {
                return true;
            }
        }
    }

    public void Return()
    {
        if (Interlocked.Decrement(ref _lent) == 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Stops lending and completes when every lent payload has been returned (callable more than once).</summary>
    public Task DrainAsync()
    {
        if (Interlocked.Exchange(ref _draining, 1) == 0)
        {
            Return();
        }
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
/// A segment whose float32 payload the link reads straight into its place in the buffer being
/// reduced (an all-gather segment of a collective that said where its values go): nothing to copy.
/// Like a lent payload it counts against the collective's <see cref="SendTracker"/> from the moment
/// the link starts writing into the buffer until it is disposed, so a collective that fails waits
/// for a write in progress before it returns the buffer to its caller.
/// </summary>
internal sealed class LandedPayload : SegmentPayload
{
    private readonly Memory<byte> _destination;
    private SendTracker? _tracker;

    private LandedPayload(Memory<float> destination, SendTracker tracker)
    {
        _destination = new FloatBytes(destination).Memory;
        _tracker = tracker;
    }

    /// <summary>A landing in <paramref name="destination"/>, or null when the collective has already finished (its buffer is its caller's again).</summary>
    public static LandedPayload? TryCreate(Memory<float> destination, SendTracker tracker) =>
        tracker.TryLend() ? new LandedPayload(destination, tracker) : null;

    /// <summary>Where the payload goes.</summary>
    public Span<byte> Destination => _destination.Span;

    public override ReadOnlyMemory<byte> Memory => _destination;

    public override void Dispose() => Interlocked.Exchange(ref _tracker, null)?.Return();
}
