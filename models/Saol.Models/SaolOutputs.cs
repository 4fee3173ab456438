using Saol.Torch;

namespace Saol.Models;

/// <summary>
/// Everything one forward pass of a <see cref="SaolNetwork"/> produces. Shapes for a batch of B
/// images, K classes and an Ho×Wo last block. Members a head does not produce are null.
/// </summary>
public sealed class SaolOutputs : IDisposable
{
    /// <summary>Logits of the GAP-FC head [B, K] (for ABN: of the perception branch).</summary>
    public required Tensor GapLogits { get; init; }

    /// <summary>log A [B, 1, Ho, Wo] — SAOL's attention map in log space (log-softmax over positions).</summary>
    public Tensor? LogAttention { get; init; }

    /// <summary>A [B, 1, Ho, Wo]: SAOL's attention (sums to 1 over positions), or ABN's sigmoid attention map.</summary>
    public Tensor? Attention { get; init; }

    /// <summary>log Y [B, K, Ho, Wo] — SAOL's spatial logits in log space (log-softmax over classes).</summary>
    public Tensor? LogSpatial { get; init; }

    /// <summary>Y [B, K, Ho, Wo]: SAOL's spatial class probabilities (sum to 1 over classes at every position).</summary>
    public Tensor? Spatial { get; init; }

    /// <summary>log ŷ [B, K], computed as logsumexp over positions of log A + log Y.</summary>
    public Tensor? LogYHat { get; init; }

    /// <summary>ŷ [B, K] = Σ_ij A_ij (Y_k)_ij, SAOL's output probabilities.</summary>
    public Tensor? YHat { get; init; }

    /// <summary>Logits of the auxiliary mask branch [B, 1, Ho, Wo] (L_SS1).</summary>
    public Tensor? MaskLogits { get; init; }

    /// <summary>M̂ = sigmoid(mask logits) [B, 1, Ho, Wo].</summary>
    public Tensor? MaskProbability { get; init; }

    /// <summary>ABN's attention-branch logits [B, K].</summary>
    public Tensor? AttentionBranchLogits { get; init; }

    /// <summary>Class activation maps [B, K, Ho, Wo] of the CAM head (fc applied at every position).</summary>
    public Tensor? ClassActivationMaps { get; init; }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in new[] { GapLogits, LogAttention, Attention, LogSpatial, Spatial, LogYHat, YHat, MaskLogits, MaskProbability, AttentionBranchLogits, ClassActivationMaps })
        {
            t?.Dispose();
        }
    }
}
