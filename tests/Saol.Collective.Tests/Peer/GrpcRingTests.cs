using Saol.Collective.Tests.Ring;
using Saol.Rpc;
using Saol.TestKit;
using Xunit;

namespace Saol.Collective.Tests.Peer;

public sealed class GrpcRingTests
{
    private static readonly int[] s_survivors = [0, 1, 3];

    [Theory]
    [InlineData(2, WireFormat.Float32, ReduceOp.Sum)]
    [InlineData(3, WireFormat.BFloat16, ReduceOp.Average)]
    [InlineData(4, WireFormat.Float16, ReduceOp.Sum)]
    [InlineData(5, WireFormat.Float32, ReduceOp.Average)]
    public async Task AllReduce_OverGrpc_MatchesReferenceBitwiseOnEveryRank(int world, WireFormat format, ReduceOp op)
    {
        var options = new CollectiveOptions { SegmentBytes = 256, WireFormat = format, Timeout = TimeSpan.FromSeconds(20) };
        await using var ring = await GrpcRing.StartAsync(world, options).DefaultTimeout();
        // Several collectives on the same long-lived links, different lengths each time.
        foreach (var length in new[] { 1, world - 1, 1000, 12345 })
        {
            var inputs = RingAllReduceTests.RandomInputs(world, length, seed: length + world);
            var buffers = inputs.Select(b => (float[])b.Clone()).ToArray();
            await Task.WhenAll(ring.Ranks.Select((rank, r) => rank.AllReduceAsync(buffers[r], op, TestContext.Current.CancellationToken))).DefaultTimeout();
            RingAllReduceTests.AssertMatches(inputs, buffers, op, format, options.SegmentBytes / (format == WireFormat.Float32 ? 4 : 2),
                tolerance: format == WireFormat.Float32 ? 1e-5 : world * 1.6e-2);
        }
    }

    [Fact]
    public async Task AllReduce_OverlappingCollectivesOverGrpc_EachMatches()
    {
        var options = new CollectiveOptions { SegmentBytes = 4096 };
        await using var ring = await GrpcRing.StartAsync(3, options).DefaultTimeout();
        var inputs = Enumerable.Range(0, 5).Select(k => RingAllReduceTests.RandomInputs(3, 5000 + k, seed: k)).ToArray();
        var buffers = inputs.Select(perRank => perRank.Select(b => (float[])b.Clone()).ToArray()).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 3).Select(r => Task.WhenAll(buffers.Select(b => ring.Ranks[r].AllReduceAsync(b[r], ReduceOp.Sum, TestContext.Current.CancellationToken))))).DefaultTimeout();
        for (var k = 0; k < inputs.Length; k++)
        {
            RingAllReduceTests.AssertMatches(inputs[k], buffers[k], ReduceOp.Sum, WireFormat.Float32, 1024, tolerance: 1e-5);
        }
    }

    [Fact]
    public async Task AllReduce_RightNeighbourNeverJoins_FailsWithinTimeoutNamingIt()
    {
        var (server0, service0) = await GrpcRing.StartServerAsync().DefaultTimeout();
        var (server1, _) = await GrpcRing.StartServerAsync().DefaultTimeout();
        await using (server0)
        await using (server1)
        {
            var membership = new RingMembership("job-lonely", 3, 0, [server0.LocalAddress, server1.LocalAddress]);
            await using var rank0 = await Collectives.JoinRingAsync(service0, membership, new CollectiveOptions { Timeout = TimeSpan.FromMilliseconds(500) }, cancellationToken: TestContext.Current.CancellationToken).DefaultTimeout();
            var error = await Assert.ThrowsAsync<CollectiveException>(() => rank0.AllReduceAsync(new float[10], ReduceOp.Sum, TestContext.Current.CancellationToken).DefaultTimeout());
            Assert.Equal(1, error.PeerRank);
            Assert.Equal(1, error.Collective);
            Assert.Contains("rank 1 at " + server1.LocalAddress, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RingLink_ArrivesBeforeTheServerJoins_WaitsForIt()
    {
        var options = new CollectiveOptions { Timeout = TimeSpan.FromSeconds(20) };
        var started = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => GrpcRing.StartServerAsync())).DefaultTimeout();
        var addresses = started.Select(s => s.Server.LocalAddress).ToArray();
        try
        {
            // Ranks 0 and 1 join and start; rank 2 joins only after their links are open.
            var early = await Task.WhenAll(Enumerable.Range(0, 2).Select(r => Collectives.JoinRingAsync(started[r].Service, new RingMembership("job-late", 1, r, addresses), options, cancellationToken: TestContext.Current.CancellationToken))).DefaultTimeout();
            var buffers = Enumerable.Range(0, 3).Select(r => Enumerable.Repeat((float)r + 1, 100).ToArray()).ToArray();
            var running = early.Select((rank, r) => rank.AllReduceAsync(buffers[r], ReduceOp.Sum, TestContext.Current.CancellationToken)).ToArray();
            await Task.Delay(200, TestContext.Current.CancellationToken);
            var late = await Collectives.JoinRingAsync(started[2].Service, new RingMembership("job-late", 1, 2, addresses), options, cancellationToken: TestContext.Current.CancellationToken).DefaultTimeout();
            await Task.WhenAll([.. running, late.AllReduceAsync(buffers[2], ReduceOp.Sum, TestContext.Current.CancellationToken)]).DefaultTimeout();
            Assert.All(buffers, b => Assert.All(b, v => Assert.Equal(6f, v)));
            await Task.WhenAll([.. early.Select(r => r.DisposeAsync().AsTask()), late.DisposeAsync().AsTask()]).DefaultTimeout();
        }
        finally
        {
            foreach (var (server, _) in started)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AllReduce_OneRankAbortsMidCollective_EveryOtherRankFailsAtOnceNamingAPeer()
    {
        // A long timeout: the others must fail because the abort travels round the ring, not by timing out.
        var options = new CollectiveOptions { SegmentBytes = 64 << 10, Timeout = TimeSpan.FromMinutes(5) };
        await using var ring = await GrpcRing.StartAsync(4, options).DefaultTimeout();
        var buffers = Enumerable.Range(0, 4).Select(_ => new float[1 << 20]).ToArray();
        // Collective 1 completes everywhere; in collective 2, rank 2 is cancelled while the others are in theirs.
        await Task.WhenAll(ring.Ranks.Select((rank, r) => rank.AllReduceAsync(buffers[r], ReduceOp.Sum, TestContext.Current.CancellationToken))).DefaultTimeout();
        var running = s_survivors.Select(r => ring.Ranks[r].AllReduceAsync(buffers[r], ReduceOp.Sum, TestContext.Current.CancellationToken)).ToArray();
        using var cancel = new CancellationTokenSource();
        var aborted = ring.Ranks[2].AllReduceAsync(buffers[2], ReduceOp.Sum, cancel.Token);
        await cancel.CancelAsync();
        var own = await Assert.ThrowsAsync<CollectiveException>(() => aborted.DefaultTimeout());
        Assert.Contains("cancelled", own.Message, StringComparison.Ordinal);
        foreach (var task in running)
        {
            var error = await Assert.ThrowsAsync<CollectiveException>(() => task.DefaultTimeout());
            Assert.Equal(2, error.Collective);
            Assert.Matches("neighbour rank [0-9] at http://127.0.0.1:[0-9]+/", error.Message);
        }
        // The ring stays broken: the next collective fails at once.
        await Assert.ThrowsAsync<CollectiveException>(() => ring.Ranks[0].AllReduceAsync(buffers[0], ReduceOp.Sum, TestContext.Current.CancellationToken).DefaultTimeout());
    }

    [Fact]
    public async Task RingLink_BadCallers_AreRefusedWithClearStatus()
    {
        var (server, service) = await GrpcRing.StartServerAsync().DefaultTimeout();
        await using (server)
        {
            // Rank 1 of a 3-rank ring: its left neighbour is rank 0. Registered, not connected.
            Uri[] addresses = [new("http://127.0.0.1:1"), server.LocalAddress, new("http://127.0.0.1:2")];
            var options = new CollectiveOptions();
            await using var link = new Internal.Peer.GrpcRingLink(service, new RingMembership("job-x", 7, 1, addresses), options, new Saol.Rpc.Http2.StreamingClientOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            service.Register(link);

            async Task<RpcException> CallAsync(Metadata headers, Protos.V1.RingSegment? message = null)
            {
                // One channel per call: see REQUESTS-transport.md (a call after a refused one can hang).
                using var channel = RpcChannel.ForAddress(server.LocalAddress);
                using var call = new Protos.V1.WorkerPeer.WorkerPeerClient(channel).RingLink(headers, cancellationToken: TestContext.Current.CancellationToken);
                if (message is not null)
                {
                    await call.RequestStream.WriteAsync(message, TestContext.Current.CancellationToken);
                }
                return await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.DefaultTimeout());
            }

            var otherJob = await CallAsync(Headers("job-y", 7, 0));
            Assert.Equal(StatusCode.Unavailable, otherJob.StatusCode);
            var noHeaders = await CallAsync([]);
            Assert.Equal(StatusCode.InvalidArgument, noHeaders.StatusCode);
            var notLeft = await CallAsync(Headers("job-x", 7, 2));
            Assert.Equal(StatusCode.FailedPrecondition, notLeft.StatusCode);
            Assert.Contains("is not the left neighbour (rank 0)", notLeft.Status.Detail, StringComparison.Ordinal);
            var badSegment = await CallAsync(Headers("job-x", 7, 0), new Protos.V1.RingSegment { JobId = "job-x", Generation = 7, SenderRank = 0, Collective = 1 });
            Assert.Equal(StatusCode.Aborted, badSegment.StatusCode);
            Assert.Contains("protocol violation", badSegment.Status.Detail, StringComparison.Ordinal);
            // The violation broke this rank's ring: its collectives fail instead of hanging.
            await Assert.ThrowsAsync<CollectiveException>(() => link.ReceiveAsync(1, TestContext.Current.CancellationToken).AsTask().DefaultTimeout());
        }
    }

    private static Metadata Headers(string job, long generation, int sender) => new()
    {
        { "saol-job-id", job },
        { "saol-generation", generation.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        { "saol-sender-rank", sender.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        { "saol-timeout-ms", "200" },
    };

    [Fact]
    public void RingMembership_Inconsistent_Throws()
    {
        Uri[] two = [new("http://127.0.0.1:1"), new("http://127.0.0.1:2")];
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingMembership("j", 0, 2, two));
        Assert.Throws<ArgumentException>(() => new RingMembership(" ", 0, 0, two));
        Assert.Throws<ArgumentException>(() => new RingMembership("j", 0, 0, [new Uri("ftp://x/")]));
        Assert.Throws<ArgumentException>(() => new RingMembership("j", 0, 0, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingMembership("j", -1, 0, two));
    }

    [Fact]
    public void Options_Invalid_ThrowNamingTheSetting()
    {
        Assert.Contains("SegmentBytes", Assert.Throws<ArgumentException>(() => new CollectiveOptions { SegmentBytes = 6 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("SegmentBytes", Assert.Throws<ArgumentException>(() => new CollectiveOptions { SegmentBytes = 4 << 20 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Timeout", Assert.Throws<ArgumentException>(() => new CollectiveOptions { Timeout = TimeSpan.Zero }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("WireFormat", Assert.Throws<ArgumentException>(() => new CollectiveOptions { WireFormat = (WireFormat)9 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("BucketBytes", Assert.Throws<ArgumentException>(() => new CollectiveOptions { BucketBytes = 2 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("SendQueueSegments", Assert.Throws<ArgumentException>(() => new CollectiveOptions { SendQueueSegments = 0 }.Validate()).Message, StringComparison.Ordinal);
        new CollectiveOptions().Validate();
    }
}
