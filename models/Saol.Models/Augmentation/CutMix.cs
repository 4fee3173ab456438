using Saol.Models.Augmentation.Internal;

namespace Saol.Models.Augmentation;

/// <summary>
/// CutMix (Yun et al., 2019) with CutMix-PyTorch's semantics: per batch, with probability
/// <c>p</c>: λ ~ Beta(β, β); a box of side √(1−λ)·H by √(1−λ)·W (truncated to whole pixels),
/// centred uniformly, clipped to the image; λ recomputed from the clipped area; the partner of
/// image i is image perm[i] of a uniformly random permutation. Seeded: the same seed gives the
/// same sequence of draws on every machine.
/// </summary>
public sealed class CutMix
{
    private readonly SeededRandom _random;

    /// <summary>Creates the sampler.</summary>
    /// <param name="probability">Probability that a batch is mixed (1.0 on ImageNet, 0.5 on CIFAR in the paper).</param>
    /// <param name="beta">β of the Beta(β, β) distribution of λ. Defaults to 1 (uniform).</param>
    /// <param name="seed">Seed of the draws.</param>
    public CutMix(double probability, double beta, ulong seed)
    {
        if (!(probability >= 0 && probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "CutMix probability must be in [0, 1]");
        }
        if (!(beta > 0) || double.IsInfinity(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "CutMix beta must be positive and finite");
        }
        Probability = probability;
        Beta = beta;
        _random = new SeededRandom(seed);
    }

    /// <summary>The probability that a batch is mixed.</summary>
    public double Probability { get; }

    /// <summary>β of λ ~ Beta(β, β).</summary>
    public double Beta { get; }

    /// <summary>Draws the CutMix of one batch, or null when this batch is not mixed.</summary>
    public CutMixBox? Sample(int batch, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        // Draw order as CutMix-PyTorch's train loop: the coin, λ, the permutation, then the centre.
        if (!(_random.NextDouble() < Probability))
        {
            return null;
        }
        var lambda = _random.NextBeta(Beta, Beta);
        var permutation = _random.Permutation(batch);
        var ratio = Math.Sqrt(1.0 - lambda);
        var cutH = (int)(height * ratio);
        var cutW = (int)(width * ratio);
        var cy = _random.NextInt(height);
        var cx = _random.NextInt(width);
        var top = Math.Clamp(cy - (cutH / 2), 0, height);
        var bottom = Math.Clamp(cy + (cutH / 2), 0, height);
        var left = Math.Clamp(cx - (cutW / 2), 0, width);
        var right = Math.Clamp(cx + (cutW / 2), 0, width);
        return CutMixBox.FromRegion(top, bottom, left, right, height, width, permutation);
    }

    /// <summary>Draws λ ~ Beta(β, β) alone (exposed for the statistics test).</summary>
    internal double SampleLambda() => _random.NextBeta(Beta, Beta);
}
