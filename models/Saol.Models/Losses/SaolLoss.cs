using Saol.Models.Augmentation;
using Saol.Torch;
using static Saol.Torch.torch;
using static Saol.Torch.torch.nn.functional;

namespace Saol.Models.Losses;

/// <summary>
/// The SAOL training objective of one step (DESIGN §2): mixes the batch with the given CutMix box,
/// runs the network, and returns L = w_SL·L_SL + w_SS1·L_SS1 + w_SS2·L_SS2 + w_SD·L_SD with its parts.
/// For the source side of L_SS2 the clean batch is run first under <c>no_grad</c> (in the network's
/// current mode, so in training its BN statistics see the clean batch too).
/// </summary>
public static class SaolLoss
{
    /// <summary>One-hot targets [B, K] (float32) from integer labels [B].</summary>
    public static Tensor OneHot(Tensor labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return torch.one_hot(labels.to(ScalarType.Int64), classes).to(ScalarType.Float32);
    }

    /// <summary>Images [B, 3, H, W] with the box region of image i replaced by that of image perm[i].</summary>
    public static Tensor Mix(Tensor images, CutMixBox box)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(box);
        CheckBox(images, box);
        using var mask = RegionMask(box, images.device);
        using var perm = Permutation(box, images.device);
        using var partners = images.index_select(0, perm);
        return where(mask.to(ScalarType.Bool), partners, images);
    }

    /// <summary>y' = λ·y + (1−λ)·y[perm].</summary>
    public static Tensor MixTargets(Tensor targets, CutMixBox box)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(box);
        using var perm = Permutation(box, targets.device);
        using var partners = targets.index_select(0, perm);
        return (targets * box.Lambda) + (partners * (1.0 - box.Lambda));
    }

    /// <summary>Computes the losses of one step.</summary>
    /// <param name="network">The network (in training mode for a training step).</param>
    /// <param name="images">The clean batch [B, 3, H, W].</param>
    /// <param name="targets">Soft or one-hot targets of the clean batch [B, K].</param>
    /// <param name="box">This batch's CutMix draw, or null when the batch is not mixed.</param>
    /// <param name="weights">Loss weights; null for the defaults.</param>
    public static SaolLossResult Compute(SaolNetwork network, Tensor images, Tensor targets, CutMixBox? box, SaolLossWeights? weights = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(targets);
        weights ??= new SaolLossWeights();
        weights.Validate();
        if (targets.dim() != 2 || targets.shape[0] != images.shape[0] || targets.shape[1] != network.Classes)
        {
            throw new ArgumentException($"targets must be [{images.shape[0]}, {network.Classes}], got [{string.Join(", ", targets.shape)}]", nameof(targets));
        }
        if (box is not null)
        {
            CheckBox(images, box);
        }

        SaolOutputs? clean = null;
        if (network.Head == HeadKind.Saol && box is not null && weights.Consistency != 0)
        {
            using (no_grad())
            {
                clean = network.forward(images);
            }
        }
        try
        {
            var input = box is null ? images : Mix(images, box);
            var mixedTargets = box is null ? targets.clone() : MixTargets(targets, box);
            var outputs = network.forward(input);
            if (!ReferenceEquals(input, images))
            {
                input.Dispose();
            }
            return network.Head switch
            {
                HeadKind.Saol => SaolParts(outputs, clean, mixedTargets, box, images, weights),
                HeadKind.Abn => Plain(outputs, mixedTargets, CrossEntropy(outputs.GapLogits, mixedTargets) + CrossEntropy(outputs.AttentionBranchLogits!, mixedTargets), weights),
                _ => Plain(outputs, mixedTargets, CrossEntropy(outputs.GapLogits, mixedTargets), weights),
            };
        }
        finally
        {
            clean?.Dispose();
        }
    }

    private static SaolLossResult SaolParts(SaolOutputs o, SaolOutputs? clean, Tensor targets, CutMixBox? box, Tensor images, SaolLossWeights weights)
    {
        var (b, ho, wo) = (o.MaskLogits!.shape[0], o.MaskLogits.shape[2], o.MaskLogits.shape[3]);
        var sl = -(targets * o.LogYHat!).sum(1).mean();

        // The CutMix mask at the output resolution: the fraction of each cell that was pasted.
        using var fullMask = box is null
            ? zeros([1, 1, images.shape[2], images.shape[3]], device: images.device)
            : RegionMask(box, images.device);
        using var cellMask = adaptive_avg_pool2d(fullMask, [ho, wo]).expand(b, 1, ho, wo);
        var ss1 = binary_cross_entropy_with_logits(o.MaskLogits, cellMask);

        Tensor ss2;
        if (clean is not null && box is not null && box.Area > 0)
        {
            using var perm = Permutation(box, images.device);
            using var sourceLog = clean.LogSpatial!.index_select(0, perm);
            using var source = sourceLog.exp();
            using var kl = (source * (sourceLog - o.LogSpatial!)).sum(1, keepdim: true);
            ss2 = (kl * cellMask).sum() / cellMask.sum();
        }
        else
        {
            ss2 = zeros([], device: images.device);
        }

        using var p = o.YHat!.detach();
        using var logP = o.LogYHat!.detach();
        using var logQ = log_softmax(o.GapLogits, 1);
        var sd = ((p * (logP - logQ)).sum(1).mean()) + (weights.DistillationBeta * -(targets * logQ).sum(1).mean());

        var total = (sl * weights.Supervised) + (ss1 * weights.Mask) + (ss2 * weights.Consistency) + (sd * weights.Distillation);
        return new SaolLossResult { Total = total, Supervised = sl, Mask = ss1, Consistency = ss2, Distillation = sd, Outputs = o, Targets = targets };
    }

    private static SaolLossResult Plain(SaolOutputs o, Tensor targets, Tensor supervised, SaolLossWeights weights) => new()
    {
        Total = supervised * weights.Supervised,
        Supervised = supervised,
        Mask = zeros([], device: o.GapLogits.device),
        Consistency = zeros([], device: o.GapLogits.device),
        Distillation = zeros([], device: o.GapLogits.device),
        Outputs = o,
        Targets = targets,
    };

    private static Tensor CrossEntropy(Tensor logits, Tensor targets) => -(targets * log_softmax(logits, 1)).sum(1).mean();

    private static Tensor RegionMask(CutMixBox box, Device device)
    {
        var mask = zeros([1, 1, box.Height, box.Width], device: device);
        if (box.Area > 0)
        {
            using var region = mask.narrow(2, box.Top, box.Bottom - box.Top).narrow(3, box.Left, box.Right - box.Left);
            region.fill_(1.0);
        }
        return mask;
    }

    private static Tensor Permutation(CutMixBox box, Device device) =>
        tensor(box.Permutation.Select(i => (long)i).ToArray(), device: device);

    private static void CheckBox(Tensor images, CutMixBox box)
    {
        if (images.dim() != 4 || images.shape[2] != box.Height || images.shape[3] != box.Width || images.shape[0] != box.Permutation.Count)
        {
            throw new ArgumentException($"the CutMix box is for {box.Permutation.Count} images of {box.Height}x{box.Width}, the batch is [{string.Join(", ", images.shape)}]");
        }
    }
}
