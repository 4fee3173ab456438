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
        var ct = TestContext.Current.CancellationToken;
        const int Elements = 2 << 20;
        var timeout = TimeSpan.FromSeconds(15);
        // Rank 2 is a child process all-reducing in a loop; ranks 0 and 1 run here.
        using var child = await RingMemberChild.StartAsync(TestAssembly, [Program.RingMemberVerb],
            new RingMemberProcess.Settings("job-kill", 2, Elements, Iterations: 1000, WireFormat.Float32, 256 << 10, timeout), ct).DefaultTimeout();
        var (server0, service0) = await GrpcRing.StartServerAsync().DefaultTimeout();
        var (server1, service1) = await GrpcRing.StartServerAsync().DefaultTimeout();
        await using (server0)
        await using (server1)
        {
            Uri[] addresses = [server0.LocalAddress, server1.LocalAddress, child.Address];
            await child.SendAddressesAsync(addresses).DefaultTimeout();
            var options = new CollectiveOptions { SegmentBytes = 256 << 10, Timeout = timeout };
            await using var rank0 = await Collectives.JoinRingAsync(service0, new RingMembership("job-kill", 1, 0, addresses), options, cancellationToken: ct).DefaultTimeout();
            await using var rank1 = await Collectives.JoinRingAsync(service1, new RingMembership("job-kill", 1, 1, addresses), options, cancellationToken: ct).DefaultTimeout();

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
            child.Kill();

            var error0 = await Assert.ThrowsAsync<CollectiveException>(() => loop0.DefaultTimeout());
            var error1 = await Assert.ThrowsAsync<CollectiveException>(() => loop1.DefaultTimeout());
            // Rank 0's left neighbour and rank 1's right neighbour is the dead process.
            Assert.Contains("rank 2 at " + child.Address, error0.Message, StringComparison.Ordinal);
            Assert.Contains("rank 2 at " + child.Address, error1.Message, StringComparison.Ordinal);
            Assert.NotNull(error0.Collective);
            Assert.Equal(2, error0.PeerRank);
            Assert.Equal(2, error1.PeerRank);
        }
    }

    [Fact]
    public async Task AllReduce_PeerProcessFrozenMidCollective_EveryOtherRankFailsWithinItsTimeout()
    {
        var ct = TestContext.Current.CancellationToken;
        const int Elements = 2 << 20;
        var timeout = TimeSpan.FromSeconds(3);
        // Rank 2 is a child process all-reducing in a loop; SIGSTOP freezes it with its connections
        // open, possibly in the middle of a frame: a hung node, not a dead one.
        using var child = await RingMemberChild.StartAsync(TestAssembly, [Program.RingMemberVerb],
            new RingMemberProcess.Settings("job-freeze", 2, Elements, Iterations: 1000, WireFormat.Float32, 256 << 10, TimeSpan.FromMinutes(5)), ct).DefaultTimeout();
        var (server0, service0) = await GrpcRing.StartServerAsync().DefaultTimeout();
        var (server1, service1) = await GrpcRing.StartServerAsync().DefaultTimeout();
        try
        {
            await using (server0)
            await using (server1)
            {
                Uri[] addresses = [server0.LocalAddress, server1.LocalAddress, child.Address];
                await child.SendAddressesAsync(addresses).DefaultTimeout();
                var options = new CollectiveOptions { SegmentBytes = 256 << 10, Timeout = timeout };
                await using var rank0 = await Collectives.JoinRingAsync(service0, new RingMembership("job-freeze", 1, 0, addresses), options, cancellationToken: ct).DefaultTimeout();
                await using var rank1 = await Collectives.JoinRingAsync(service1, new RingMembership("job-freeze", 1, 1, addresses), options, cancellationToken: ct).DefaultTimeout();

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
                child.Freeze();

                var error0 = await Assert.ThrowsAsync<CollectiveException>(() => loop0.DefaultTimeout());
                var error1 = await Assert.ThrowsAsync<CollectiveException>(() => loop1.DefaultTimeout());
                // Neither hangs. A frozen process looks like a silent one: rank 0 (whose left neighbour it
                // is) names it; rank 1 names it too when rank 0's abort reaches it within the grace, or
                // else its own silent left neighbour, rank 0 — it cannot tell a hung neighbour from one
                // waiting on a hung rank.
                Assert.True(error0.PeerRank is 2 or 0, error0.Message);
                Assert.True(error1.PeerRank is 2 or 0, error1.Message);
                Assert.Contains(2, new[] { error0.PeerRank, error1.PeerRank });
                Assert.Contains("rank 2 at " + child.Address, error0.PeerRank == 2 ? error0.Message : error1.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            child.Kill();
        }
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
}
