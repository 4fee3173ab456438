using Saol.Models.Internal;
using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;
using static Saol.Torch.torch.nn.functional;

namespace Saol.Models.Backbones.Internal;

/// <summary>
/// torchvision's ResNet-18/34/50/101/152 without its fc (the GAP-FC head owns <c>fc</c>): a 7×7/2
/// stem, 3×3/2 max-pool, four stages <c>layer1</c>…<c>layer4</c> at strides 4, 8, 16, 32.
/// </summary>
internal sealed class ResNet : Backbone
{
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Chain<BasicBlock>[]? _basic;
    private readonly Chain<Bottleneck>[]? _bottleneck;
    private readonly List<(string, nn.Module)> _modules = [];
    private readonly long[] _channels;

    public ResNet(int[] layers, bool bottleneck)
    {
        _conv1 = Layers.Conv(3, 64, 7, 2, 3);
        _bn1 = Layers.Norm(64);
        _modules.Add(("conv1", _conv1));
        _modules.Add(("bn1", _bn1));
        long input = 64;
        var expansion = bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        _channels = [64 * expansion, 128 * expansion, 256 * expansion, 512 * expansion];
        long[] planes = [64, 128, 256, 512];
        if (bottleneck)
        {
            _bottleneck = new Chain<Bottleneck>[4];
        }
        else
        {
            _basic = new Chain<BasicBlock>[4];
        }
        for (var stage = 0; stage < 4; stage++)
        {
            var stride = stage == 0 ? 1 : 2;
            nn.Module layer;
            if (bottleneck)
            {
                var blocks = new List<Bottleneck>();
                for (var i = 0; i < layers[stage]; i++)
                {
                    blocks.Add(new Bottleneck(input, planes[stage], i == 0 ? stride : 1));
                    input = planes[stage] * expansion;
                }
                layer = _bottleneck![stage] = new Chain<Bottleneck>(blocks);
            }
            else
            {
                var blocks = new List<BasicBlock>();
                for (var i = 0; i < layers[stage]; i++)
                {
                    blocks.Add(new BasicBlock(input, planes[stage], i == 0 ? stride : 1));
                    input = planes[stage] * expansion;
                }
                layer = _basic![stage] = new Chain<BasicBlock>(blocks);
            }
            _modules.Add(($"layer{stage + 1}", layer));
        }
    }

    public override IReadOnlyList<(string Name, nn.Module Module)> Modules => _modules;

    public override IReadOnlyList<long> BlockChannels => _channels;

    public override bool ImageNetSize => true;

    public override IEnumerable<BatchNorm2d> ResidualLastNorms =>
        _bottleneck is not null
            ? _bottleneck.SelectMany(s => s.Blocks).Select(b => b.LastNorm)
            : _basic!.SelectMany(s => s.Blocks).Select(b => b.LastNorm);

    private IEnumerable<nn.Module<Tensor, Tensor>> Stages =>
        _bottleneck is not null ? _bottleneck : _basic!;

    public override Tensor[] Forward(Tensor images)
    {
        var x = max_pool2d(_bn1.forward(_conv1.forward(images)).relu_(), 3, 2, 1);
        var features = new Tensor[4];
        var i = 0;
        foreach (var stage in Stages)
        {
            x = features[i++] = stage.forward(x);
        }
        return features;
    }

    public override (long Macs, FeatureShape[] Blocks) CountMacs(FeatureShape image)
    {
        var h = Layers.OutSize(image.Height, 7, 2, 3);
        var w = Layers.OutSize(image.Width, 7, 2, 3);
        var stem = new FeatureShape(64, Layers.OutSize(h, 3, 2, 1), Layers.OutSize(w, 3, 2, 1));
        return CountBlocks(Layers.ConvMacs(3, 64, 7, 1, h, w), stem, Stages.Cast<IMacCounted>());
    }
}
