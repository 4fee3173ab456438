namespace Saol.Models.Losses;

/// <summary>Weights of L = w_SL·L_SL + w_SS1·L_SS1 + w_SS2·L_SS2 + w_SD·L_SD, and β of L_SD. All default to the paper's values.</summary>
public sealed record SaolLossWeights
{
    /// <summary>Weight of the supervised loss L_SL. Defaults to 1.</summary>
    public double Supervised { get; init; } = 1.0;

    /// <summary>Weight of L_SS1 (BCE of the mask branch against the CutMix mask). Defaults to 1.</summary>
    public double Mask { get; init; } = 1.0;

    /// <summary>Weight of L_SS2 (KL of the spatial logits inside the pasted region). Defaults to 1.</summary>
    public double Consistency { get; init; } = 1.0;

    /// <summary>Weight of L_SD (self-distillation into the GAP-FC head). Defaults to 1.</summary>
    public double Distillation { get; init; } = 1.0;

    /// <summary>β of L_SD = KL(ŷ_SAOL ‖ ŷ_GAP-FC) + β·CE(ŷ_GAP-FC, y). Defaults to 0.5.</summary>
    public double DistillationBeta { get; init; } = 0.5;

    /// <summary>Throws when a weight is negative or not finite.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[] { ("supervised", Supervised), ("mask", Mask), ("consistency", Consistency), ("distillation", Distillation), ("distillation beta", DistillationBeta) })
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(name, value, $"SAOL loss weight '{name}' must be finite and non-negative");
            }
        }
    }
}
