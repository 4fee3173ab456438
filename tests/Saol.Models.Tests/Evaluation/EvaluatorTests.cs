using Saol.Models.Evaluation;
using Saol.Torch;
using Xunit;
using static Saol.Torch.torch;

namespace Saol.Models.Tests.Evaluation;

public sealed class EvaluatorTests
{
    private static readonly float[] s_yHat = [0.7f, 0.2f, 0.1f, 0.6f, 0.3f, 0.1f];
    private static readonly float[] s_gapLogits = [0f, 1f, 0f, 0f, 1f, 0f];

    [Fact]
    public void Add_ConstructedSaolOutputs_CountsAccuracyAndLocalization()
    {
        using var network = ModelFactory.Create("resnet20", "saol", 3);
        using var scope = NewDisposeScope();
        // Two images, K = 3, a 4x4 output grid over a 32x32 input. Attention sits on the top-left 2x2 cells.
        var a = zeros([2, 1, 4, 4]);
        a.narrow(2, 0, 2).narrow(3, 0, 2).fill_(0.25);
        var y = full([2, 3, 4, 4], 1.0 / 3);
        var yHat = tensor(s_yHat, [2, 3]);
        using var outputs = new SaolOutputs
        {
            GapLogits = tensor(s_gapLogits, [2, 3]),
            Attention = a,
            Spatial = y,
            YHat = yHat,
        };
        var labels = tensor(new long[] { 0, 2 });
        var truth = new BoundingBox(0, 0, 16, 16);

        var evaluator = new Evaluator(network);
        evaluator.Add(outputs, labels, [truth, truth], 32, 32);

        Assert.Equal(1, evaluator.Test.Top1); // ŷ predicts class 0 for both images
        Assert.Equal(2, evaluator.Test.Top5); // K = 3: every label is in the top five
        Assert.Equal(0, evaluator.GapFc.Top1);
        Assert.Equal(1, evaluator.Saol!.Top1);
        Assert.Equal(2, evaluator.Localized);
        Assert.Equal(1, evaluator.LocalizedCorrectly); // the second image's box is right but its class is not
        Assert.Equal(0.5, evaluator.LocalizationAccuracy);
    }

    [Fact]
    public void Add_BoxCountMismatch_Throws()
    {
        using var network = ModelFactory.Create("resnet20", "cam", 3);
        using var outputs = new SaolOutputs { GapLogits = zeros([2, 3]), ClassActivationMaps = zeros([2, 3, 4, 4]) };
        using var labels = tensor(new long[] { 0, 1 });
        var evaluator = new Evaluator(network);
        Assert.Throws<ArgumentException>(() => evaluator.Add(outputs, labels, [new BoundingBox(0, 0, 1, 1)], 32, 32));
        Assert.Throws<ArgumentException>(() => new Evaluator(network, LocalizationMap.Attention));
    }
}
