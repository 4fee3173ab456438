namespace Saol.Torch;

/// <summary>How a loss reduces its per-element values (numbered as <c>at::Reduction</c>).</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss per element.</summary>
    None = 0,
    /// <summary>The mean over elements.</summary>
    Mean = 1,
    /// <summary>The sum over elements.</summary>
    Sum = 2,
    /// <summary>The sum divided by the batch size (only <c>kl_div</c>; the mathematically correct KL mean).</summary>
    BatchMean = 3,
}
