using Saol.Collective.Internal.Hosting;
using Saol.TestKit;
using Xunit;

namespace Saol.Collective.Tests.Peer;

/// <summary>Ranks in separate processes: the real thing a dead node looks like.</summary>
public sealed class PeerProcessTests
{
    private static string TestAssembly => typeof(PeerProcessTests).Assembly.Location;

    [Fact]
    public async Task AllReduce_PeerProcessKilledMidCollective_EveryOtherRankFailsNamingIt()
    {
        var (address, error0, error1) = await BreakRankTwoMidLoopAsync("job-kill", TimeSpan.FromSeconds(15), child => child.Kill());

        // Rank 0's left neighbour and rank 1's right neighbour is the dead process.
        Assert.Contains("rank 2 at " + address, error0.Message, StringComparison.Ordinal);
        Assert.Contains("rank 2 at " + address, error1.Message, StringComparison.Ordinal);
        Assert.NotNull(error0.Collective);
        Assert.Equal(2, error0.PeerRank);
        Assert.Equal(2, error1.PeerRank);
    }

    [Fact]
    public async Task AllReduce_PeerProcessFrozenMidCollective_EveryOtherRankFailsWithinItsTimeout()
    {
        // SIGSTOP freezes rank 2 with its connections open, possibly in the middle of a frame: a
        // hung node, not a dead one.
        var (address, error0, error1) = await BreakRankTwoMidLoopAsync("job-freeze", TimeSpan.FromSeconds(3), child => child.Freeze());

        // Neither hangs. A frozen process looks like a silent one: rank 0 (whose left neighbour it
        // is) names it; rank 1 names it too when rank 0's abort reaches it within the grace, or
        // else its own silent left neighbour, rank 0 — it cannot tell a hung neighbour from one
        // waiting on a hung rank.
        Assert.True(error0.PeerRank is 2 or 0, error0.Message);
        Assert.True(error1.PeerRank is 2 or 0, error1.Message);
        Assert.Contains(2, new[] { error0.PeerRank, error1.PeerRank });
        Assert.Contains("rank 2 at " + address, error0.PeerRank == 2 ? error0.Message : error1.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllReduce_RanksInSeparateProcesses_AgreeBitwiseWithTheReference()
    {
        var ct = TestContext.Current.CancellationToken;
        const int World = 3;
        const int Elements = 100_003;
        var settings = Enumerable.Range(0, World)
            .Select(r => new RingMemberProcess.Settings("job-procs", r, Elements, Iterations: 2, WireFormat.Float32, 64 << 10, TimeSpan.FromSeconds(20))).ToArray();
        var children = await Task.WhenAll(settings.Select(s => RingMemberChild.StartAsync(TestAssembly, [Program.RingMemberVerb], s, ct))).DefaultTimeout();
        try
        {
            var addresses = children.Select(c => c.Address).ToArray();
            await Task.WhenAll(children.Select(c => c.SendAddressesAsync(addresses))).DefaultTimeout();
            var checksums = new string[World];
            for (var r = 0; r < World; r++)
            {
                string? line;
                while ((line = await children[r].ReadLineAsync(ct).DefaultTimeout()) is not null && !line.StartsWith("checksum ", StringComparison.Ordinal))
                {
                    Assert.False(line.StartsWith("error", StringComparison.Ordinal), line);
                }
                checksums[r] = line?["checksum ".Length..] ?? "(no checksum)";
                Assert.Equal(0, await children[r].WaitForExitAsync(ct).DefaultTimeout());
            }
            var inputs = Enumerable.Range(0, World).Select(r => RingMemberProcess.InputOf(r, Elements)).ToArray();
            var expected = Ring.RingReference.Expected(inputs, ReduceOp.Sum, WireFormat.Float32, (64 << 10) / 4);
            var expectedHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan())));
            Assert.All(checksums, c => Assert.Equal(expectedHash, c));
        }
        finally
        {
            foreach (var child in children)
            {
                child.Dispose();
            }
        }
    }

    /// <summary>
    /// Ranks 0 and 1 here and rank 2 a child process, all all-reducing 8 MB in a loop; once two
    /// collectives have completed, <paramref name="breakChild"/> breaks the child. Returns the
    /// child's address and the error each of ranks 0 and 1 failed with.
    /// </summary>
    private static async Task<(Uri ChildAddress, CollectiveException Error0, CollectiveException Error1)> BreakRankTwoMidLoopAsync(
        string job, TimeSpan timeout, Action<RingMemberChild> breakChild)
    {
        var ct = TestContext.Current.CancellationToken;
        const int Elements = 2 << 20;
        // The child's own timeout is long: it must not give up before the ranks here notice.
        using var child = await RingMemberChild.StartAsync(TestAssembly, [Program.RingMemberVerb],
            new RingMemberProcess.Settings(job, 2, Elements, Iterations: 1000, WireFormat.Float32, 256 << 10, TimeSpan.FromMinutes(5)), ct).DefaultTimeout();
        var (server0, service0) = await GrpcRing.StartServerAsync().DefaultTimeout();
        var (server1, service1) = await GrpcRing.StartServerAsync().DefaultTimeout();
        await using (server0)
        await using (server1)
        {
            try
            {
                Uri[] addresses = [server0.LocalAddress, server1.LocalAddress, child.Address];
                await child.SendAddressesAsync(addresses).DefaultTimeout();
                var options = new CollectiveOptions { SegmentBytes = 256 << 10, Timeout = timeout };
                await using var rank0 = await Collectives.JoinRingAsync(service0, new RingMembership(job, 1, 0, addresses), options, cancellationToken: ct).DefaultTimeout();
                await using var rank1 = await Collectives.JoinRingAsync(service1, new RingMembership(job, 1, 1, addresses), options, cancellationToken: ct).DefaultTimeout();

                var firstDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                async Task LoopAsync(IAllReduce rank)
                {
                    var buffer = RingMemberProcess.InputOf(rank.Rank, Elements);
                    for (var k = 0; k < 1000; k++)
                    {
                        await rank.AllReduceAsync(buffer, ReduceOp.Sum, ct);
                        if (k == 1)
                        {
                            firstDone.TrySetResult();
                        }
                    }
                }

                var loop0 = LoopAsync(rank0);
                var loop1 = LoopAsync(rank1);
                await firstDone.Task.DefaultTimeout();
                breakChild(child);

                var error0 = await Assert.ThrowsAsync<CollectiveException>(() => loop0.DefaultTimeout());
                var error1 = await Assert.ThrowsAsync<CollectiveException>(() => loop1.DefaultTimeout());
                return (child.Address, error0, error1);
            }
            finally
            {
                // Before the servers close: a frozen child would hold its connections open.
                child.Kill();
            }
        }
    }
}
