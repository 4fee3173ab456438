using Saol.Torch;
using static Saol.Torch.torch;

namespace Saol.Models.Evaluation;

/// <summary>Running top-1/top-5 counts of one head.</summary>
public sealed class Accuracy
{
    /// <summary>Images seen.</summary>
    public long Count { get; private set; }

    /// <summary>Images whose label was the highest score.</summary>
    public long Top1 { get; private set; }

    /// <summary>Images whose label was among the five highest scores (all of them when K ≤ 5).</summary>
    public long Top5 { get; private set; }

    /// <summary>Top-1 accuracy in [0, 1] (0 before any image).</summary>
    public double Top1Rate => Count == 0 ? 0 : (double)Top1 / Count;

    /// <summary>Top-5 accuracy in [0, 1].</summary>
    public double Top5Rate => Count == 0 ? 0 : (double)Top5 / Count;

    /// <summary>Adds a batch: scores [B, K] (probabilities or logits) and integer labels [B].</summary>
    public void Add(Tensor scores, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        if (scores.dim() != 2 || labels.dim() != 1 || scores.shape[0] != labels.shape[0])
        {
            throw new ArgumentException($"scores [B, K] and labels [B] needed, got [{string.Join(", ", scores.shape)}] and [{string.Join(", ", labels.shape)}]");
        }
        var k = Math.Min(5, scores.shape[1]);
        using var scope = NewDisposeScope();
        var (_, top) = scores.topk((int)k, 1);
        var hits = top.eq(labels.to(ScalarType.Int64).view(-1, 1));
        Top1 += hits.narrow(1, 0, 1).sum().item<long>();
        Top5 += hits.sum().item<long>();
        Count += labels.shape[0];
    }
}
