using Saol.Models.Internal;
using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;
using static Saol.Torch.torch.nn.functional;

namespace Saol.Models.Heads.Internal;

/// <summary>The SAOL head's outputs, in log space where the losses need them.</summary>
internal sealed record SaolHeadOutput(Tensor LogAttention, Tensor LogSpatial, Tensor MaskLogits);

/// <summary>
/// The Spatially Attentive Output Layer: <c>attention</c> (A = softmax over positions of a
/// one-channel map of X^L), <c>logits.i</c> (a 3×3 conv to K of each selected block, bilinearly
/// resized to X^L's resolution), <c>fuse</c> (1×1 conv of their concatenation to K, then a softmax
/// over classes gives Y), and <c>mask</c> (the auxiliary branch predicting the CutMix mask, L_SS1).
/// </summary>
internal sealed class SaolHead : nn.Module
{
    private readonly MapBranch _attention;
    private readonly MapBranch _mask;
    private readonly IndexedModules<nn.Module<Tensor, Tensor>> _logits;
    private readonly Conv2d _fuse;
    private readonly int[] _blocks;
    private readonly long[] _channels;
    private readonly long _classes;
    private readonly bool _separable;

    public SaolHead(IReadOnlyList<long> blockChannels, long classes, int[] blocks, bool separable, long hidden)
        : base(nameof(SaolHead))
    {
        (_blocks, _classes, _separable) = (blocks, classes, separable);
        _channels = blockChannels.ToArray();
        _attention = new MapBranch(_channels[^1], hidden, separable);
        _mask = new MapBranch(_channels[^1], hidden, separable);
        _logits = new IndexedModules<nn.Module<Tensor, Tensor>>(blocks.Select(b => SaolConv.Create(_channels[b - 1], classes, bias: true, separable)));
        _fuse = Layers.HeadConv(classes * blocks.Length, classes, 1);
        register_module("attention", _attention);
        register_module("mask", _mask);
        register_module("logits", _logits);
        register_module("fuse", _fuse);
    }

    public SaolHeadOutput Forward(Tensor[] features)
    {
        var last = features[^1];
        var (b, ho, wo) = (last.shape[0], last.shape[2], last.shape[3]);
        var logA = log_softmax(_attention.forward(last).view(b, -1), 1).view(b, 1, ho, wo);
        var maps = new Tensor[_blocks.Length];
        for (var i = 0; i < _blocks.Length; i++)
        {
            var x = features[_blocks[i] - 1];
            if (x.shape[2] != ho || x.shape[3] != wo)
            {
                x = interpolate(x, size: [ho, wo], mode: InterpolationMode.Bilinear, align_corners: false);
            }
            maps[i] = _logits.Items[i].forward(x);
        }
        var logY = log_softmax(_fuse.forward(cat(maps, 1)), 1);
        return new SaolHeadOutput(logA, logY, _mask.forward(last));
    }

    public long CountMacs(IReadOnlyList<FeatureShape> blocks)
    {
        var (ho, wo) = (blocks[^1].Height, blocks[^1].Width);
        var macs = _attention.CountMacs(ho, wo) + _mask.CountMacs(ho, wo);
        foreach (var b in _blocks)
        {
            macs += SaolConv.Macs(_channels[b - 1], _classes, _separable, ho, wo);
        }
        return macs + Layers.ConvMacs(_classes * _blocks.Length, _classes, 1, 1, ho, wo);
    }
}
