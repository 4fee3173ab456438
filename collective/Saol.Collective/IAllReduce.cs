namespace Saol.Collective;

/// <summary>
/// An all-reduce over the ranks of one ring generation. Every rank calls
/// <see cref="AllReduceAsync"/> in the same order with buffers of the same length; afterwards
/// every rank's buffer holds the same, bitwise identical, result.
/// </summary>
public interface IAllReduce : IAsyncDisposable
{
    /// <summary>This rank's position in the ring, 0-based.</summary>
    int Rank { get; }

    /// <summary>The number of ranks in the ring.</summary>
    int WorldSize { get; }

    /// <summary>
    /// Reduces <paramref name="buffer"/> across all ranks in place. Calls may overlap (gradient
    /// buckets do); they are matched across ranks by the order in which they were started.
    /// </summary>
    /// <exception cref="CollectiveException">A peer failed, went silent past the timeout, or broke the protocol;
    /// the ring is unusable afterwards.</exception>
    Task AllReduceAsync(Memory<float> buffer, ReduceOp op, CancellationToken cancellationToken = default);
}
