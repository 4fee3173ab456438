using Saol.Torch;
using static Saol.Torch.torch;

namespace Saol.Models.Evaluation;

/// <summary>The score map WSOL localises from.</summary>
public enum LocalizationMap
{
    /// <summary>A ⊙ Y_k of the predicted class (SAOL), the CAM of the predicted class (CAM), ABN's attention.</summary>
    ClassMap,

    /// <summary>SAOL's class-agnostic attention map A.</summary>
    Attention,
}

/// <summary>
/// Accumulates the evaluation of a network over batches: top-1/top-5 of every head it has (SAOL's
/// ŷ, the GAP-FC head, the head used at test time, ABN's attention branch) and, when true boxes are
/// given, top-1 localisation accuracy (right class of the test head and IoU ≥ 0.5).
/// </summary>
public sealed class Evaluator
{
    private readonly SaolNetwork _network;
    private readonly LocalizationMap _map;
    private readonly double _threshold;

    /// <summary>Creates an evaluator for <paramref name="network"/> (run it in eval mode).</summary>
    /// <param name="network">The network whose outputs will be added.</param>
    /// <param name="map">The score map WSOL uses. Defaults to the class map.</param>
    /// <param name="threshold">WSOL threshold on the normalised map. Defaults to 0.2.</param>
    public Evaluator(SaolNetwork network, LocalizationMap map = LocalizationMap.ClassMap, double threshold = 0.2)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (map == LocalizationMap.Attention && network.Head != HeadKind.Saol)
        {
            throw new ArgumentException("the attention map A exists only for the saol head", nameof(map));
        }
        _network = network;
        _map = map;
        _threshold = threshold;
        Saol = network.Head == HeadKind.Saol ? new Accuracy() : null;
        AttentionBranch = network.Head == HeadKind.Abn ? new Accuracy() : null;
    }

    /// <summary>Top-k of the head used at test time.</summary>
    public Accuracy Test { get; } = new();

    /// <summary>Top-k of the GAP-FC head (ABN: the perception branch).</summary>
    public Accuracy GapFc { get; } = new();

    /// <summary>Top-k of SAOL's ŷ (saol head only).</summary>
    public Accuracy? Saol { get; }

    /// <summary>Top-k of ABN's attention branch (abn head only).</summary>
    public Accuracy? AttentionBranch { get; }

    /// <summary>Images with a true box seen.</summary>
    public long Localized { get; private set; }

    /// <summary>Images whose test-head class was right and whose WSOL box had IoU ≥ 0.5.</summary>
    public long LocalizedCorrectly { get; private set; }

    /// <summary>Top-1 localisation accuracy in [0, 1].</summary>
    public double LocalizationAccuracy => Localized == 0 ? 0 : (double)LocalizedCorrectly / Localized;

    /// <summary>Adds one batch's outputs and labels [B], and optionally the true box of each image (in pixels of an imageHeight × imageWidth input).</summary>
    public void Add(SaolOutputs outputs, Tensor labels, IReadOnlyList<BoundingBox>? boxes = null, int imageHeight = 0, int imageWidth = 0)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = NewDisposeScope();
        var probabilities = _network.TestProbabilities(outputs);
        Test.Add(probabilities, labels);
        GapFc.Add(outputs.GapLogits, labels);
        Saol?.Add(outputs.YHat!, labels);
        AttentionBranch?.Add(outputs.AttentionBranchLogits!, labels);
        if (boxes is null)
        {
            return;
        }
        if (boxes.Count != labels.shape[0] || imageHeight <= 0 || imageWidth <= 0)
        {
            throw new ArgumentException($"localisation needs one box per image ({labels.shape[0]}, got {boxes.Count}) and the image size");
        }
        if (_network.Head == HeadKind.GapFc)
        {
            throw new InvalidOperationException("the gapfc head has no score map; evaluate its parameters as the cam head");
        }
        var predicted = probabilities.argmax(1);
        var maps = _map == LocalizationMap.Attention ? outputs.Attention!.squeeze(1) : _network.ClassScoreMaps(outputs, predicted);
        var (h, w) = ((int)maps.shape[1], (int)maps.shape[2]);
        var values = maps.contiguous().to(ScalarType.Float32).ToArray<float>();
        var predictedClasses = predicted.ToArray<long>();
        var trueClasses = labels.to(ScalarType.Int64).ToArray<long>();
        for (var i = 0; i < boxes.Count; i++)
        {
            var box = Wsol.Localize(values.AsSpan(i * h * w, h * w), h, w, imageHeight, imageWidth, _threshold);
            Localized++;
            if (Wsol.IsCorrect(box, boxes[i], predictedClasses[i] == trueClasses[i]))
            {
                LocalizedCorrectly++;
            }
        }
    }
}
