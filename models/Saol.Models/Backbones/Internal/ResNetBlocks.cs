using Saol.Models.Internal;
using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;
using static Saol.Torch.torch.nn.functional;

namespace Saol.Models.Backbones.Internal;

/// <summary>The 1×1 projection shortcut, children "0" (conv) and "1" (BN) as torchvision's nn.Sequential.</summary>
internal sealed class Downsample : nn.Module<Tensor, Tensor>, IMacCounted
{
    private readonly Conv2d _conv;
    private readonly BatchNorm2d _bn;
    private readonly long _input;
    private readonly long _output;
    private readonly long _stride;

    public Downsample(long input, long output, long stride)
        : base("Sequential")
    {
        (_input, _output, _stride) = (input, output, stride);
        _conv = Layers.Conv(input, output, 1, stride);
        _bn = Layers.Norm(output);
        register_module("0", _conv);
        register_module("1", _bn);
    }

    public override Tensor forward(Tensor input) => _bn.forward(_conv.forward(input));

    public (long Macs, FeatureShape Output) CountMacs(FeatureShape input)
    {
        var h = Layers.OutSize(input.Height, 1, _stride, 0);
        var w = Layers.OutSize(input.Width, 1, _stride, 0);
        return (Layers.ConvMacs(_input, _output, 1, 1, h, w), new FeatureShape(_output, h, w));
    }
}

/// <summary>torchvision's BasicBlock (two 3×3 convolutions), also the block of the CIFAR ResNets.</summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>, IMacCounted
{
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Conv2d _conv2;
    private readonly BatchNorm2d _bn2;
    private readonly Downsample? _downsample;
    private readonly long _input;
    private readonly long _planes;
    private readonly long _stride;

    public BasicBlock(long input, long planes, long stride)
        : base(nameof(BasicBlock))
    {
        (_input, _planes, _stride) = (input, planes, stride);
        _conv1 = Layers.Conv(input, planes, 3, stride, 1);
        _bn1 = Layers.Norm(planes);
        _conv2 = Layers.Conv(planes, planes, 3, 1, 1);
        _bn2 = Layers.Norm(planes);
        register_module("conv1", _conv1);
        register_module("bn1", _bn1);
        register_module("conv2", _conv2);
        register_module("bn2", _bn2);
        if (stride != 1 || input != planes)
        {
            _downsample = new Downsample(input, planes, stride);
            register_module("downsample", _downsample);
        }
    }

    public const long Expansion = 1;

    public BatchNorm2d LastNorm => _bn2;

    public override Tensor forward(Tensor input)
    {
        // In place where torchvision is (ReLU(inplace=True), out += identity): same values, and no
        // fresh activation-sized buffer per op (each one is page-faulted in on CPU).
        var x = _bn1.forward(_conv1.forward(input)).relu_();
        x = _bn2.forward(_conv2.forward(x));
        return x.add_(_downsample?.forward(input) ?? input).relu_();
    }

    public (long Macs, FeatureShape Output) CountMacs(FeatureShape input)
    {
        var h = Layers.OutSize(input.Height, 3, _stride, 1);
        var w = Layers.OutSize(input.Width, 3, _stride, 1);
        var macs = Layers.ConvMacs(_input, _planes, 3, 1, h, w) + Layers.ConvMacs(_planes, _planes, 3, 1, h, w);
        if (_downsample is not null)
        {
            macs += _downsample.CountMacs(input).Macs;
        }
        return (macs, new FeatureShape(_planes, h, w));
    }
}

/// <summary>torchvision's Bottleneck (ResNet v1.5: the stride sits on the 3×3 convolution).</summary>
internal sealed class Bottleneck : nn.Module<Tensor, Tensor>, IMacCounted
{
    public const long Expansion = 4;

    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Conv2d _conv2;
    private readonly BatchNorm2d _bn2;
    private readonly Conv2d _conv3;
    private readonly BatchNorm2d _bn3;
    private readonly Downsample? _downsample;
    private readonly long _input;
    private readonly long _planes;
    private readonly long _stride;

    public Bottleneck(long input, long planes, long stride)
        : base(nameof(Bottleneck))
    {
        (_input, _planes, _stride) = (input, planes, stride);
        _conv1 = Layers.Conv(input, planes, 1);
        _bn1 = Layers.Norm(planes);
        _conv2 = Layers.Conv(planes, planes, 3, stride, 1);
        _bn2 = Layers.Norm(planes);
        _conv3 = Layers.Conv(planes, planes * Expansion, 1);
        _bn3 = Layers.Norm(planes * Expansion);
        register_module("conv1", _conv1);
        register_module("bn1", _bn1);
        register_module("conv2", _conv2);
        register_module("bn2", _bn2);
        register_module("conv3", _conv3);
        register_module("bn3", _bn3);
        if (stride != 1 || input != planes * Expansion)
        {
            _downsample = new Downsample(input, planes * Expansion, stride);
            register_module("downsample", _downsample);
        }
    }

    public BatchNorm2d LastNorm => _bn3;

    public override Tensor forward(Tensor input)
    {
        // In place where torchvision is (see BasicBlock).
        var x = _bn1.forward(_conv1.forward(input)).relu_();
        x = _bn2.forward(_conv2.forward(x)).relu_();
        x = _bn3.forward(_conv3.forward(x));
        return x.add_(_downsample?.forward(input) ?? input).relu_();
    }

    public (long Macs, FeatureShape Output) CountMacs(FeatureShape input)
    {
        var h = Layers.OutSize(input.Height, 3, _stride, 1);
        var w = Layers.OutSize(input.Width, 3, _stride, 1);
        var output = _planes * Expansion;
        var macs = Layers.ConvMacs(_input, _planes, 1, 1, input.Height, input.Width)
            + Layers.ConvMacs(_planes, _planes, 3, 1, h, w)
            + Layers.ConvMacs(_planes, output, 1, 1, h, w);
        if (_downsample is not null)
        {
            macs += _downsample.CountMacs(input).Macs;
        }
        return (macs, new FeatureShape(output, h, w));
    }
}
