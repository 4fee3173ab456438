namespace Saol.Collective;

/// <summary>
/// A collective failed: a peer died, timed out or broke the protocol. The message names the peer
/// (rank and address) and the collective. A ring that threw this is unusable: the coordinator
/// forms a new generation.
/// </summary>
public sealed class CollectiveException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public CollectiveException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public CollectiveException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception without details (serialization and tooling only).</summary>
    public CollectiveException()
    {
    }

    /// <summary>The rank of the peer that failed, when known.</summary>
    public int? PeerRank { get; init; }

    /// <summary>The address of the peer that failed, when known.</summary>
    public string? PeerAddress { get; init; }

    /// <summary>The sequence number of the collective that failed (1 for the first of a ring), when known.</summary>
    public long? Collective { get; init; }
}
