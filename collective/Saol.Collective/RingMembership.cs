namespace Saol.Collective;

/// <summary>
/// This worker's place in one generation's ring, as the coordinator assigned it: the job, the
/// generation, this rank, and the WorkerPeer address of every rank in ring order.
/// </summary>
public sealed class RingMembership
{
    /// <summary>Describes a ring; throws <see cref="ArgumentException"/> for an inconsistent one.</summary>
    public RingMembership(string jobId, long generation, int rank, IReadOnlyList<Uri> peerAddresses)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        ArgumentNullException.ThrowIfNull(peerAddresses);
        ArgumentOutOfRangeException.ThrowIfNegative(generation);
        if (peerAddresses.Count == 0)
        {
            throw new ArgumentException("a ring needs at least one rank.", nameof(peerAddresses));
        }
        if (rank < 0 || rank >= peerAddresses.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {peerAddresses.Count}).");
        }
        for (var r = 0; r < peerAddresses.Count; r++)
        {
            if (peerAddresses[r] is not { IsAbsoluteUri: true } address || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"the address of rank {r} must be an absolute http:// or https:// URI, got '{peerAddresses[r]}'.", nameof(peerAddresses));
            }
        }
        JobId = jobId;
        Generation = generation;
        Rank = rank;
        PeerAddresses = [.. peerAddresses];
    }

    /// <summary>The job the ring reduces gradients for.</summary>
    public string JobId { get; }

    /// <summary>The generation (rank assignment) this ring belongs to.</summary>
    public long Generation { get; }

    /// <summary>This worker's rank.</summary>
    public int Rank { get; }

    /// <summary>The WorkerPeer address of every rank, indexed by rank.</summary>
    public IReadOnlyList<Uri> PeerAddresses { get; }

    /// <summary>The number of ranks.</summary>
    public int WorldSize => PeerAddresses.Count;

    /// <summary>The rank this one sends to.</summary>
    public int RightRank => (Rank + 1) % WorldSize;

    /// <summary>The rank this one receives from.</summary>
    public int LeftRank => (Rank + WorldSize - 1) % WorldSize;
}
