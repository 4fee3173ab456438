namespace Saol.Collective;

/// <summary>How the ranks' buffers are combined.</summary>
public enum ReduceOp
{
    /// <summary>Element-wise sum over the ranks.</summary>
    Sum = 0,

    /// <summary>Element-wise sum divided by the world size (data-parallel gradients).</summary>
    Average = 1,
}
