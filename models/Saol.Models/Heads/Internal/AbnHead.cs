using Saol.Models.Internal;
using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;
using static Saol.Torch.torch.nn.functional;

namespace Saol.Models.Heads.Internal;

/// <summary>The attention branch network's outputs.</summary>
internal sealed record AbnHeadOutput(Tensor AttentionLogits, Tensor Attention, Tensor PerceptionFeatures);

/// <summary>
/// The attention branch of ABN (Fukui et al., CVPR 2019) on the last block: BN (<c>bn1</c>), 1×1
/// conv to K (<c>conv1</c>), ReLU; a 1×1 conv K→K (<c>conv_logits</c>) and global average pooling
/// give the attention-branch logits; a 1×1 conv K→1 (<c>conv_att</c>), BN (<c>bn_att</c>) and a
/// sigmoid give the attention map M. The perception branch (the GAP-FC head) sees X^L·(1 + M).
/// Unlike the original, the attention branch reuses the last block instead of a copy of it.
/// </summary>
internal sealed class AbnHead : nn.Module
{
    private readonly BatchNorm2d _bn1;
    private readonly Conv2d _conv1;
    private readonly Conv2d _convLogits;
    private readonly Conv2d _convAtt;
    private readonly BatchNorm2d _bnAtt;
    private readonly long _channels;
    private readonly long _classes;

    public AbnHead(long channels, long classes)
        : base(nameof(AbnHead))
    {
        (_channels, _classes) = (channels, classes);
        _bn1 = Layers.Norm(channels);
        _conv1 = Layers.HeadConv(channels, classes, 1, bias: false);
        _convLogits = Layers.HeadConv(classes, classes, 1, bias: false);
        _convAtt = Layers.HeadConv(classes, 1, 1, bias: false);
        _bnAtt = Layers.Norm(1);
        register_module("bn1", _bn1);
        register_module("conv1", _conv1);
        register_module("conv_logits", _convLogits);
        register_module("conv_att", _convAtt);
        register_module("bn_att", _bnAtt);
    }

    public AbnHeadOutput Forward(Tensor last)
    {
        var a = relu(_conv1.forward(_bn1.forward(last)));
        var logits = adaptive_avg_pool2d(_convLogits.forward(a), [1, 1]).flatten(1);
        var m = sigmoid(_bnAtt.forward(_convAtt.forward(a)));
        return new AbnHeadOutput(logits, m, last * (m + 1.0));
    }

    public long CountMacs(long h, long w) =>
        Layers.ConvMacs(_channels, _classes, 1, 1, h, w) + Layers.ConvMacs(_classes, _classes, 1, 1, h, w) + Layers.ConvMacs(_classes, 1, 1, 1, h, w);
}
