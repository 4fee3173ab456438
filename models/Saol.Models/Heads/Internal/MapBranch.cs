using Saol.Models.Internal;
using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;
using static Saol.Torch.torch.nn.functional;

namespace Saol.Models.Heads.Internal;

/// <summary>
/// conv (3×3, plain or separable) → BN → ReLU → conv 1×1 to one channel: SAOL's attention branch
/// (followed by a softmax over positions) and the auxiliary mask branch of L_SS1 (followed by a sigmoid).
/// Parameters: conv1.*, bn1.*, conv2.weight, conv2.bias.
/// </summary>
internal sealed class MapBranch : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Conv2d _conv2;
    private readonly long _input;
    private readonly long _hidden;
    private readonly bool _separable;

    public MapBranch(long input, long hidden, bool separable)
        : base(nameof(MapBranch))
    {
        (_input, _hidden, _separable) = (input, hidden, separable);
        _conv1 = SaolConv.Create(input, hidden, bias: false, separable);
        _bn1 = Layers.Norm(hidden);
        _conv2 = Layers.HeadConv(hidden, 1, 1);
        register_module("conv1", _conv1);
        register_module("bn1", _bn1);
        register_module("conv2", _conv2);
    }

    /// <summary>The un-normalised one-channel map [B, 1, H, W].</summary>
    public override Tensor forward(Tensor input) => _conv2.forward(relu(_bn1.forward(_conv1.forward(input))));

    public long CountMacs(long h, long w) =>
        SaolConv.Macs(_input, _hidden, _separable, h, w) + Layers.ConvMacs(_hidden, 1, 1, 1, h, w);
}
