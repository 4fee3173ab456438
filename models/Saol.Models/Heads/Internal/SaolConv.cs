using Saol.Models.Internal;
using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;

namespace Saol.Models.Heads.Internal;

/// <summary>A depthwise-separable 3×3 convolution: <c>depthwise</c> (3×3, one filter per channel, no bias) then <c>pointwise</c> (1×1).</summary>
internal sealed class SeparableConv : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _depthwise;
    private readonly Conv2d _pointwise;

    public SeparableConv(long input, long output, bool bias)
        : base(nameof(SeparableConv))
    {
        _depthwise = Layers.HeadConv(input, input, 3, 1, groups: input, bias: false);
        _pointwise = Layers.HeadConv(input, output, 1, bias: bias);
        register_module("depthwise", _depthwise);
        register_module("pointwise", _pointwise);
    }

    public override Tensor forward(Tensor input) => _pointwise.forward(_depthwise.forward(input));
}

/// <summary>The 3×3 convolutions of the SAOL head: plain (<c>weight</c>, <c>bias</c>) or depthwise-separable.</summary>
internal static class SaolConv
{
    public static nn.Module<Tensor, Tensor> Create(long input, long output, bool bias, bool separable) =>
        separable ? new SeparableConv(input, output, bias) : Layers.HeadConv(input, output, 3, 1, bias: bias);

    public static long Macs(long input, long output, bool separable, long h, long w) =>
        separable
            ? Layers.ConvMacs(input, input, 3, input, h, w) + Layers.ConvMacs(input, output, 1, 1, h, w)
            : Layers.ConvMacs(input, output, 3, 1, h, w);
}
