using Saol.TestKit;
using Saol.Torch;
using Xunit;
using static Saol.Torch.torch;

namespace Saol.Models.Tests.Models;

public sealed class ModelFactoryTests
{
    [Fact]
    public void Create_SaolResNet50_BackboneNamesAreTorchvisionsAndHeadNamesDocumented()
    {
        using var saol = ModelFactory.Create("resnet50", "saol", 1000);
        using var gap = ModelFactory.Create("resnet50", "gapfc", 1000);
        var saolNames = saol.state_dict().Keys.ToArray();
        var gapNames = gap.state_dict().Keys.ToArray();
        Assert.Equal(gapNames, saolNames.Where(n => !n.StartsWith("saol.", StringComparison.Ordinal)));
        Assert.Contains("layer4.2.bn3.num_batches_tracked", gapNames);
        Assert.Contains("layer1.0.downsample.0.weight", gapNames);
        Assert.Contains("fc.weight", gapNames);
        // ImageNet models default to depthwise-separable SAOL convolutions and blocks 2, 3, 4.
        string[] head =
        [
            "saol.attention.conv1.depthwise.weight", "saol.attention.conv1.pointwise.weight", "saol.attention.bn1.running_var",
            "saol.attention.conv2.weight", "saol.attention.conv2.bias", "saol.mask.conv1.depthwise.weight", "saol.mask.conv2.bias",
            "saol.logits.0.depthwise.weight", "saol.logits.0.pointwise.bias", "saol.logits.2.pointwise.weight", "saol.fuse.weight", "saol.fuse.bias",
        ];
        Assert.All(head, n => Assert.Contains(n, saolNames));
        Assert.DoesNotContain("saol.logits.3.pointwise.weight", saolNames);
        var shapes = saol.state_dict();
        Assert.Equal([1000L, 512, 1, 1], shapes["saol.logits.0.pointwise.weight"].shape);
        Assert.Equal([1000L, 3000, 1, 1], shapes["saol.fuse.weight"].shape);
    }

    [Fact]
    public void Create_CifarModels_HaveTheirPublishedParameterCounts()
    {
        // He et al. 2016: ResNet-20 0.27M, ResNet-56 0.85M, ResNet-110 1.7M; WRN-28-10 36.5M (Zagoruyko 2016).
        (string Arch, double Millions, double Tolerance)[] expected = [("resnet20", 0.27, 0.01), ("resnet56", 0.86, 0.02), ("resnet110", 1.73, 0.03), ("wrn28-10", 36.5, 0.1), ("wrn16-4", 2.75, 0.03), ("wrn40-2", 2.24, 0.03)];
        foreach (var (arch, millions, tolerance) in expected)
        {
            using var network = ModelFactory.Create(arch, "gapfc", 10);
            var count = network.parameters().Sum(p => p.numel()) / 1e6;
            Assert.True(Math.Abs(count - millions) <= tolerance, $"{arch}: {count:F3}M parameters, expected {millions}M");
        }
    }

    [Fact]
    public void CountMacs_ResNet50_MatchesThePaper()
    {
        using var gap = ModelFactory.Create("resnet50", "gapfc", 1000);
        using var saol = ModelFactory.Create("resnet50", "saol", 1000);
        var gapG = gap.CountMacs(224, 224) / 1e9;
        var saolG = saol.CountMacs(224, 224) / 1e9;
        Assert.InRange(gapG, 4.08, 4.13); // torchvision's ResNet-50: 4.09 GMACs
        Assert.InRange(saolG - gapG, 0.2, 0.7); // the paper: +0.53 G with depthwise-separable SAOL
    }

    [Fact]
    public void Create_ZeroGamma_ZeroesEveryResidualLastNorm()
    {
        using var network = ModelFactory.Create("resnet18", "gapfc", 10, ModelOptions.Parse("zero_gamma=true"));
        var state = network.state_dict();
        Assert.Equal(0.0, state["layer3.1.bn2.weight"].abs().sum().item<float>());
        Assert.Equal(64.0, state["layer1.0.bn1.weight"].sum().item<float>());
        using var cifar = ModelFactory.Create("wrn16-4", "saol", 10, ModelOptions.Parse("zero_gamma=true"));
        Assert.Equal(0.0, cifar.state_dict()["block2.layer.1.bn2.weight"].abs().sum().item<float>());
    }

    [Fact]
    public void Create_AllHeads_ProduceTheirOutputs()
    {
        manual_seed(1);
        using var x = randn([2, 3, 32, 32]);
        foreach (var head in ModelFactory.Heads)
        {
            using var network = ModelFactory.Create("resnet20", head, 6);
            network.eval();
            using var noGrad = no_grad();
            using var o = network.forward(x);
            Assert.Equal([2L, 6], o.GapLogits.shape);
            using var p = network.TestProbabilities(o);
            TensorAssert.Close(ones([2]), p.sum(1), head + " probabilities");
            switch (ModelFactory.ParseHead(head))
            {
                case HeadKind.Saol:
                    Assert.Equal([2L, 6, 8, 8], o.Spatial!.shape);
                    Assert.Equal([2L, 1, 8, 8], o.MaskProbability!.shape);
                    break;
                case HeadKind.Cam:
                    Assert.Equal([2L, 6, 8, 8], o.ClassActivationMaps!.shape);
                    // CAM averaged over positions is the GAP-FC logit (fc is linear).
                    TensorAssert.Close(o.GapLogits, o.ClassActivationMaps.mean([2, 3]), "mean CAM");
                    break;
                case HeadKind.Abn:
                    Assert.Equal([2L, 6], o.AttentionBranchLogits!.shape);
                    Assert.Equal([2L, 1, 8, 8], o.Attention!.shape);
                    break;
            }
            if (ModelFactory.ParseHead(head) != HeadKind.GapFc)
            {
                using var maps = network.ClassScoreMaps(o, tensor(new long[] { 1, 4 }));
                Assert.Equal([2L, 8, 8], maps.shape);
            }
        }
    }

    [Fact]
    public void SaveLoad_RoundTripsWeightsAndDescription()
    {
        using var dir = new TempDir();
        var options = ModelOptions.Parse("blocks=1,3;separable=true;test_head=gapfc");
        using var a = ModelFactory.Create("resnet20", "saol", 4, options, seed: 3);
        ModelFactory.Save(a, dir.File("m.safetensors"));
        using var b = ModelFactory.Load(dir.File("m.safetensors"));
        Assert.Equal("resnet20", b.Architecture);
        Assert.Equal(HeadKind.Saol, b.Head);
        Assert.Equal(options, b.Options);
        var sa = a.state_dict();
        foreach (var (name, t) in b.state_dict())
        {
            Assert.True(t.equal(sa[name]), name);
        }
    }

    [Fact]
    public void Create_SameSeed_SameWeights()
    {
        using var a = ModelFactory.Create("resnet20", "saol", 4, seed: 11);
        using var b = ModelFactory.Create("resnet20", "saol", 4, seed: 11);
        Assert.True(a.state_dict()["saol.fuse.weight"].equal(b.state_dict()["saol.fuse.weight"]));
    }

    [Fact]
    public void Create_BadArguments_ThrowClearly()
    {
        Assert.Contains("unknown architecture", Assert.Throws<ArgumentException>(() => ModelFactory.Create("resnet99", "saol", 10)).Message, StringComparison.Ordinal);
        Assert.Contains("unknown head", Assert.Throws<ArgumentException>(() => ModelFactory.Create("resnet20", "fancy", 10)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelFactory.Create("resnet20", "saol", 1));
        Assert.Throws<ArgumentException>(() => ModelFactory.Create("resnet20", "saol", 10, ModelOptions.Parse("blocks=4")));
        Assert.Throws<FormatException>(() => ModelOptions.Parse("blocks=3,2"));
        Assert.Throws<FormatException>(() => ModelOptions.Parse("colour=red"));
        using var network = ModelFactory.Create("resnet20", "saol", 10);
        Assert.Throws<ArgumentException>(() => network.forward(zeros([2, 1, 32, 32])));
    }

    [Fact]
    public void Load_FileWithoutMetadata_ThrowsInvalidData()
    {
        using var dir = new TempDir();
        Saol.Torch.Serialization.SafeTensors.Save(new Dictionary<string, Tensor> { ["fc.weight"] = zeros([2, 2]) }, dir.File("bare.safetensors"));
        var e = Assert.Throws<InvalidDataException>(() => ModelFactory.Load(dir.File("bare.safetensors")));
        Assert.Contains("arch", e.Message, StringComparison.Ordinal);
    }
}
