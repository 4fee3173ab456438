using Saol.Models.Internal;
using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;
using static Saol.Torch.torch.nn.functional;

namespace Saol.Models.Backbones.Internal;

/// <summary>The pre-activation block of Wide-ResNet (Zagoruyko and Komodakis, 2016).</summary>
internal sealed class WideBlock : nn.Module<Tensor, Tensor>, IMacCounted
{
    private readonly BatchNorm2d _bn1;
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn2;
    private readonly Conv2d _conv2;
    private readonly Conv2d? _shortcut;
    private readonly long _input;
    private readonly long _output;
    private readonly long _stride;

    public WideBlock(long input, long output, long stride)
        : base(nameof(WideBlock))
    {
        (_input, _output, _stride) = (input, output, stride);
        _bn1 = Layers.Norm(input);
        _conv1 = Layers.Conv(input, output, 3, stride, 1);
        _bn2 = Layers.Norm(output);
        _conv2 = Layers.Conv(output, output, 3, 1, 1);
        register_module("bn1", _bn1);
        register_module("conv1", _conv1);
        register_module("bn2", _bn2);
        register_module("conv2", _conv2);
        if (input != output)
        {
            _shortcut = Layers.Conv(input, output, 1, stride);
            register_module("convShortcut", _shortcut);
        }
    }

    /// <summary>The BN before the branch's last convolution: with γ = 0 (and β = 0) the branch outputs 0.</summary>
    public BatchNorm2d LastNorm => _bn2;

    public override Tensor forward(Tensor input)
    {
        var o = _bn1.forward(input).relu_();
        var y = _conv2.forward(_bn2.forward(_conv1.forward(o)).relu_());
        return y + (_shortcut is null ? input : _shortcut.forward(o));
    }

    public (long Macs, FeatureShape Output) CountMacs(FeatureShape input)
    {
        var h = Layers.OutSize(input.Height, 3, _stride, 1);
        var w = Layers.OutSize(input.Width, 3, _stride, 1);
        var macs = Layers.ConvMacs(_input, _output, 3, 1, h, w) + Layers.ConvMacs(_output, _output, 3, 1, h, w);
        if (_shortcut is not null)
        {
            macs += Layers.ConvMacs(_input, _output, 1, 1, h, w);
        }
        return (macs, new FeatureShape(_output, h, w));
    }
}

/// <summary>A Wide-ResNet stage; its blocks are the child "layer" as in the reference code (block1.layer.0.conv1).</summary>
internal sealed class WideStage : nn.Module<Tensor, Tensor>, IMacCounted
{
    private readonly Chain<WideBlock> _layer;

    public WideStage(int blocks, long input, long output, long stride)
        : base(nameof(WideStage))
    {
        _layer = new Chain<WideBlock>(Enumerable.Range(0, blocks).Select(i => new WideBlock(i == 0 ? input : output, output, i == 0 ? stride : 1)));
        register_module("layer", _layer);
    }

    public IReadOnlyList<WideBlock> Blocks => _layer.Blocks;

    public override Tensor forward(Tensor input) => _layer.forward(input);

    public (long Macs, FeatureShape Output) CountMacs(FeatureShape input) => _layer.CountMacs(input);
}

/// <summary>
/// Wide-ResNet-depth-k for 32×32 inputs: conv1 (16 channels), stages block1…block3 with 16k, 32k,
/// 64k channels and (depth−4)/6 blocks each, then the final BN-ReLU (<c>bn1</c>), which belongs to
/// the last block's feature map X^L here.
/// </summary>
internal sealed class WideResNet : Backbone
{
    private readonly Conv2d _conv1;
    private readonly WideStage[] _stages = new WideStage[3];
    private readonly BatchNorm2d _bn1;
    private readonly List<(string, nn.Module)> _modules = [];
    private readonly long[] _channels;

    public WideResNet(int depth, int widen)
    {
        if (depth < 10 || (depth - 4) % 6 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(depth), depth, "Wide-ResNet depth must be 6n+4");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(widen);
        var n = (depth - 4) / 6;
        _channels = [16L * widen, 32L * widen, 64L * widen];
        _conv1 = Layers.Conv(3, 16, 3, 1, 1);
        _modules.Add(("conv1", _conv1));
        long input = 16;
        for (var i = 0; i < 3; i++)
        {
            _stages[i] = new WideStage(n, input, _channels[i], i == 0 ? 1 : 2);
            _modules.Add(($"block{i + 1}", _stages[i]));
            input = _channels[i];
        }
        _bn1 = Layers.Norm(input);
        _modules.Add(("bn1", _bn1));
    }

    public override IReadOnlyList<(string Name, nn.Module Module)> Modules => _modules;

    public override IReadOnlyList<long> BlockChannels => _channels;

    public override bool ImageNetSize => false;

    public override IEnumerable<BatchNorm2d> ResidualLastNorms => _stages.SelectMany(s => s.Blocks).Select(b => b.LastNorm);

    public override Tensor[] Forward(Tensor images)
    {
        var x = _conv1.forward(images);
        var f1 = _stages[0].forward(x);
        var f2 = _stages[1].forward(f1);
        var f3 = _bn1.forward(_stages[2].forward(f2)).relu_();
        return [f1, f2, f3];
    }

    public override (long Macs, FeatureShape[] Blocks) CountMacs(FeatureShape image) =>
        CountBlocks(Layers.ConvMacs(3, 16, 3, 1, image.Height, image.Width), new FeatureShape(16, image.Height, image.Width), _stages);
}
