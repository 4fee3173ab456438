using Saol.Models.Internal;
using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;
using static Saol.Torch.torch.nn.functional;

namespace Saol.Models.Backbones.Internal;

/// <summary>
/// The CIFAR ResNet of He et al. (2016) as CutMix-PyTorch builds it: a 3×3 stem with 16 channels,
/// three stages of (depth−2)/6 basic blocks with 16, 32, 64 channels (strides 1, 2, 2), projection
/// shortcuts (1×1 conv + BN) where the shape changes. Names: conv1, bn1, layer1…layer3.
/// </summary>
internal sealed class CifarResNet : Backbone
{
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Chain<BasicBlock>[] _stages = new Chain<BasicBlock>[3];
    private readonly List<(string, nn.Module)> _modules = [];

    public CifarResNet(int depth)
    {
        if (depth < 8 || (depth - 2) % 6 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(depth), depth, "CIFAR ResNet depth must be 6n+2");
        }
        var n = (depth - 2) / 6;
        _conv1 = Layers.Conv(3, 16, 3, 1, 1);
        _bn1 = Layers.Norm(16);
        _modules.Add(("conv1", _conv1));
        _modules.Add(("bn1", _bn1));
        long input = 16;
        for (var stage = 0; stage < 3; stage++)
        {
            var planes = 16L << stage;
            var blocks = new List<BasicBlock>();
            for (var i = 0; i < n; i++)
            {
                blocks.Add(new BasicBlock(input, planes, i == 0 && stage > 0 ? 2 : 1));
                input = planes;
            }
            _stages[stage] = new Chain<BasicBlock>(blocks);
            _modules.Add(($"layer{stage + 1}", _stages[stage]));
        }
    }

    public override IReadOnlyList<(string Name, nn.Module Module)> Modules => _modules;

    public override IReadOnlyList<long> BlockChannels => [16, 32, 64];

    public override bool ImageNetSize => false;

    public override IEnumerable<BatchNorm2d> ResidualLastNorms => _stages.SelectMany(s => s.Blocks).Select(b => b.LastNorm);

    public override Tensor[] Forward(Tensor images)
    {
        var x = _bn1.forward(_conv1.forward(images)).relu_();
        var features = new Tensor[3];
        for (var i = 0; i < 3; i++)
        {
            x = features[i] = _stages[i].forward(x);
        }
        return features;
    }

    public override (long Macs, FeatureShape[] Blocks) CountMacs(FeatureShape image) =>
        CountBlocks(Layers.ConvMacs(3, 16, 3, 1, image.Height, image.Width), new FeatureShape(16, image.Height, image.Width), _stages);
}
