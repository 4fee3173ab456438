using Saol.Torch;

namespace Saol.Models.Losses;

/// <summary>The losses of one training step (0-d tensors; <see cref="Total"/> is the one to back-propagate).</summary>
public sealed class SaolLossResult : IDisposable
{
    /// <summary>The weighted sum of the parts.</summary>
    public required Tensor Total { get; init; }

    /// <summary>L_SL = −Σ_k y'_k log ŷ_k (for the other heads: cross-entropy of their logits; ABN adds its attention branch's).</summary>
    public required Tensor Supervised { get; init; }

    /// <summary>L_SS1: BCE of M̂ against the CutMix mask at the output resolution (0 for heads without a mask branch).</summary>
    public required Tensor Mask { get; init; }

    /// <summary>L_SS2: KL(Y_source ‖ Y') averaged over the pasted positions (0 without a CutMix box).</summary>
    public required Tensor Consistency { get; init; }

    /// <summary>L_SD = KL(ŷ_SAOL ‖ softmax(GAP-FC)) + β·CE(GAP-FC, y') (0 for heads other than SAOL).</summary>
    public required Tensor Distillation { get; init; }

    /// <summary>The forward pass on the (mixed) images, for accuracy bookkeeping.</summary>
    public required SaolOutputs Outputs { get; init; }

    /// <summary>The targets the losses used: y' = λ·y + (1−λ)·y[perm] under CutMix, else y. [B, K].</summary>
    public required Tensor Targets { get; init; }

    /// <inheritdoc />
    public void Dispose()
    {
        Total.Dispose();
        Supervised.Dispose();
        Mask.Dispose();
        Consistency.Dispose();
        Distillation.Dispose();
        Targets.Dispose();
        Outputs.Dispose();
    }
}
