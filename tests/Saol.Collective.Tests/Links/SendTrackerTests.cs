using Saol.Collective.Internal.Links;
using Xunit;

namespace Saol.Collective.Tests.Links;

/// <summary>The lending rules that keep a collective's buffer safe: nothing is read from or written into it once the collective has returned.</summary>
public sealed class SendTrackerTests
{
    [Fact]
    public async Task Drain_WaitsForEveryLentPayload_ThenCompletes()
    {
        var tracker = new SendTracker();
        var buffer = new float[8];
        var sent = new BorrowedPayload(buffer.AsMemory(0, 4), tracker);
        var landed = LandedPayload.TryCreate(buffer.AsMemory(4, 4), tracker)!;

        var drained = tracker.DrainAsync();
        Assert.False(drained.IsCompleted);
        sent.Dispose();
        Assert.False(drained.IsCompleted);
        landed.Dispose();
        landed.Dispose(); // a second dispose returns nothing more
        await drained.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public void AfterDrain_NoLandingStarts_AndLendingIsABug()
    {
        var tracker = new SendTracker();
        Assert.True(tracker.DrainAsync().IsCompletedSuccessfully);
        Assert.True(tracker.DrainAsync().IsCompletedSuccessfully); // idempotent: no second release

        Assert.Null(LandedPayload.TryCreate(new float[4], tracker));
        Assert.Throws<InvalidOperationException>(() => new BorrowedPayload(new float[4], tracker));
    }

    [Fact]
    public void Payloads_ViewTheBufferItself()
    {
        var tracker = new SendTracker();
        var buffer = new float[] { 1f, 2f, 3f, 4f };
        using var sent = new BorrowedPayload(buffer.AsMemory(1, 2), tracker);
        Assert.Equal(8, sent.Memory.Length);
        Assert.Equal(2f, BitConverter.ToSingle(sent.Memory.Span));

        using var landed = LandedPayload.TryCreate(buffer.AsMemory(2, 2), tracker)!;
        BitConverter.TryWriteBytes(landed.Destination, 9f);
        Assert.Equal(9f, buffer[2]);
    }
}
