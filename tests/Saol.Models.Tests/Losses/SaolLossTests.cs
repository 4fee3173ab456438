using Saol.Models.Augmentation;
using Saol.Models.Losses;
using Saol.Torch;
using Xunit;
using static Saol.Torch.torch;

namespace Saol.Models.Tests.Losses;

public sealed class SaolLossTests
{
    private static readonly long[] s_labels = [0, 1, 2, 3];

    [Theory]
    [InlineData("saol")]
    [InlineData("gapfc")]
    [InlineData("cam")]
    [InlineData("abn")]
    public void Compute_EveryHead_GivesFiniteLossAndGradientsForItsParameters(string head)
    {
        using var network = ModelFactory.Create("resnet20", head, 4, seed: 5);
        using var scope = NewDisposeScope();
        manual_seed(1);
        var images = randn([4, 3, 32, 32]);
        var targets = SaolLoss.OneHot(tensor(s_labels), 4);
        var box = CutMixBox.FromRegion(4, 20, 8, 24, 32, 32, [1, 0, 3, 2]);
        using var loss = SaolLoss.Compute(network, images, targets, box);
        loss.Total.backward();
        Assert.True(float.IsFinite(loss.Total.item<float>()));
        foreach (var (name, p) in network.named_parameters())
        {
            Assert.True(p.grad is not null, $"{head}: no gradient reached {name}");
            Assert.True(float.IsFinite(p.grad!.abs().sum().item<float>()), $"{head}: gradient of {name} is not finite");
        }
        if (head != "saol")
        {
            Assert.Equal(0f, loss.Mask.item<float>());
            Assert.Equal(0f, loss.Distillation.item<float>());
        }
    }

    [Fact]
    public void Compute_Weights_CombineTheParts()
    {
        using var network = ModelFactory.Create("resnet20", "saol", 4, seed: 5);
        using var scope = NewDisposeScope();
        manual_seed(2);
        var images = randn([4, 3, 32, 32]);
        var targets = SaolLoss.OneHot(tensor(s_labels), 4);
        var box = CutMixBox.FromRegion(0, 16, 0, 16, 32, 32, [3, 2, 1, 0]);
        var weights = new SaolLossWeights { Supervised = 2, Mask = 0.5, Consistency = 3, Distillation = 0.25 };
        using var loss = SaolLoss.Compute(network, images, targets, box, weights);
        var expected = (2 * loss.Supervised.item<float>()) + (0.5 * loss.Mask.item<float>()) + (3 * loss.Consistency.item<float>()) + (0.25 * loss.Distillation.item<float>());
        Assert.Equal(expected, loss.Total.item<float>(), 4);
        Assert.True(loss.Consistency.item<float>() > 0);
        // y' = λ y + (1 − λ) y[perm] with λ = 1 − 256/1024.
        Assert.Equal(0.75f, loss.Targets[0, 0].item<float>(), 6);
        Assert.Equal(0.25f, loss.Targets[0, 3].item<float>(), 6);
    }

    [Fact]
    public void Compute_WithoutCutMix_HasNoConsistencyTermAndPlainTargets()
    {
        using var network = ModelFactory.Create("resnet20", "saol", 4, seed: 5);
        using var scope = NewDisposeScope();
        var images = randn([4, 3, 32, 32]);
        var targets = SaolLoss.OneHot(tensor(s_labels), 4);
        using var loss = SaolLoss.Compute(network, images, targets, box: null);
        Assert.Equal(0f, loss.Consistency.item<float>());
        Assert.True(loss.Targets.equal(targets));
        Assert.True(loss.Mask.item<float>() > 0); // the mask branch learns to predict "nothing pasted"
    }

    [Fact]
    public void Mix_PastesThePartnersRegionOnly()
    {
        using var scope = NewDisposeScope();
        var images = arange(4).to(ScalarType.Float32).view(4, 1, 1, 1).expand(4, 3, 8, 8).contiguous();
        var box = CutMixBox.FromRegion(2, 5, 1, 7, 8, 8, [2, 3, 0, 1]);
        var mixed = SaolLoss.Mix(images, box);
        Assert.Equal(2f, mixed[0, 1][3, 4].item<float>());
        Assert.Equal(0f, mixed[0, 1][5, 4].item<float>());
        Assert.Equal(1f, mixed[3, 2][2, 1].item<float>());
        Assert.Equal(3f, mixed[3, 2][2, 0].item<float>());
        Assert.Equal(3 * 6 * 3 * 2f, mixed[0].sum().item<float>()); // 3x6 pixels x 3 channels of image 2 on image 0's zeros
    }

    [Fact]
    public void Compute_BadShapes_Throw()
    {
        using var network = ModelFactory.Create("resnet20", "saol", 4);
        using var scope = NewDisposeScope();
        var images = randn([4, 3, 32, 32]);
        Assert.Throws<ArgumentException>(() => SaolLoss.Compute(network, images, zeros([4, 5]), null));
        Assert.Throws<ArgumentException>(() => SaolLoss.Compute(network, images, zeros([4, 4]), CutMixBox.FromRegion(0, 4, 0, 4, 16, 16, [0, 1, 2, 3])));
        Assert.Throws<ArgumentOutOfRangeException>(() => SaolLoss.Compute(network, images, zeros([4, 4]), null, new SaolLossWeights { Mask = -1 }));
    }
}
