using Saol.Models.Backbones.Internal;
using Saol.Models.Heads.Internal;
using Saol.Models.Internal;
using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;
using static Saol.Torch.torch.nn.functional;

namespace Saol.Models;

/// <summary>
/// A backbone with its output head(s): the GAP-FC head <c>fc</c> always (torchvision's name, so a
/// <c>gapfc</c> ResNet is a torchvision ResNet), plus <c>saol.*</c> for the SAOL head or
/// <c>abn.*</c> for the attention branch network. Created by <see cref="ModelFactory"/>.
/// </summary>
public sealed class SaolNetwork : nn.Module<Tensor, SaolOutputs>
{
    private readonly Backbone _backbone;
    private readonly Linear _fc;
    private readonly SaolHead? _saol;
    private readonly AbnHead? _abn;

    internal SaolNetwork(string arch, HeadKind head, int classes, ModelOptions options, Backbone backbone)
        : base(nameof(SaolNetwork))
    {
        Architecture = arch;
        Head = head;
        Classes = classes;
        Options = options;
        _backbone = backbone;
        foreach (var (name, module) in backbone.Modules)
        {
            register_module(name, module);
        }
        var channels = backbone.BlockChannels;
        _fc = Layers.Dense(channels[^1], classes);
        register_module("fc", _fc);
        if (head == HeadKind.Saol)
        {
            var stages = channels.Count;
            var blocks = options.Blocks?.ToArray() ?? Enumerable.Range(Math.Max(1, stages - 2), Math.Min(3, stages)).ToArray();
            if (blocks.Any(b => b < 1 || b > stages))
            {
                throw new ArgumentException($"SAOL blocks {string.Join(',', blocks)} are outside 1..{stages} of {arch}");
            }
            var separable = options.Separable ?? backbone.ImageNetSize;
            var hidden = options.AttentionChannels ?? (int)Math.Min(channels[^1], 512);
            _saol = new SaolHead(channels, classes, blocks, separable, hidden);
            register_module("saol", _saol);
        }
        else if (head == HeadKind.Abn)
        {
            _abn = new AbnHead(channels[^1], classes);
            register_module("abn", _abn);
        }
        if (options.TestHead == TestHead.GapFc && head != HeadKind.Saol)
        {
            throw new ArgumentException("test_head=gapfc only applies to the saol head (the other heads test with GAP-FC anyway)");
        }
        if (options.ZeroGamma)
        {
            backbone.ZeroResidualGammas();
        }
    }

    /// <summary>The architecture name (for example <c>resnet50</c>, <c>resnet20</c>, <c>wrn28-10</c>).</summary>
    public string Architecture { get; }

    /// <summary>The output head.</summary>
    public HeadKind Head { get; }

    /// <summary>The number of classes K.</summary>
    public int Classes { get; }

    /// <summary>The options the model was built with.</summary>
    public ModelOptions Options { get; }

    /// <summary>Runs the backbone and every head on a batch [B, 3, H, W].</summary>
    public override SaolOutputs forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4 || input.shape[1] != 3)
        {
            throw new ArgumentException($"expected images [B, 3, H, W], got [{string.Join(", ", input.shape)}]", nameof(input));
        }
        var features = _backbone.Forward(input);
        var last = features[^1];
        if (_abn is not null)
        {
            var abn = _abn.Forward(last);
            return new SaolOutputs
            {
                GapLogits = _fc.forward(adaptive_avg_pool2d(abn.PerceptionFeatures, [1, 1]).flatten(1)),
                Attention = abn.Attention,
                AttentionBranchLogits = abn.AttentionLogits,
            };
        }
        var gap = _fc.forward(adaptive_avg_pool2d(last, [1, 1]).flatten(1));
        if (Head == HeadKind.Cam)
        {
            var weight = _fc.weight.view(Classes, last.shape[1], 1, 1);
            return new SaolOutputs { GapLogits = gap, ClassActivationMaps = conv2d(last, weight, _fc.bias) };
        }
        if (_saol is null)
        {
            return new SaolOutputs { GapLogits = gap };
        }
        var head = _saol.Forward(features);
        var b = last.shape[0];
        var logYHat = (head.LogAttention + head.LogSpatial).view(b, Classes, -1).logsumexp(2);
        return new SaolOutputs
        {
            GapLogits = gap,
            LogAttention = head.LogAttention,
            Attention = head.LogAttention.exp(),
            LogSpatial = head.LogSpatial,
            Spatial = head.LogSpatial.exp(),
            LogYHat = logYHat,
            YHat = logYHat.exp(),
            MaskLogits = head.MaskLogits,
            MaskProbability = sigmoid(head.MaskLogits),
        };
    }

    /// <summary>The feature map of every backbone block, X¹ … X^L, for a batch [B, 3, H, W].</summary>
    public Tensor[] BlockFeatures(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return _backbone.Forward(images);
    }

    /// <summary>Class probabilities [B, K] of the head used at test time (ŷ, or softmax of the GAP-FC logits).</summary>
    public Tensor TestProbabilities(SaolOutputs outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        return Head == HeadKind.Saol && Options.TestHead == TestHead.Saol ? outputs.YHat!.clone() : softmax(outputs.GapLogits, 1);
    }

    /// <summary>
    /// The score map [B, Ho, Wo] for class <c>classes[b]</c> of each image: A ⊙ Y_k for SAOL, the
    /// class activation map for CAM and GAP-FC, ABN's attention map for ABN.
    /// </summary>
    public Tensor ClassScoreMaps(SaolOutputs outputs, Tensor classes)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(classes);
        if (Head == HeadKind.Abn)
        {
            return outputs.Attention!.squeeze(1);
        }
        var maps = Head == HeadKind.Saol ? outputs.Attention! * outputs.Spatial! : outputs.ClassActivationMaps
            ?? throw new InvalidOperationException("class maps need the saol, cam or abn head");
        var (b, h, w) = (maps.shape[0], maps.shape[2], maps.shape[3]);
        var index = classes.to(ScalarType.Int64).view(b, 1, 1, 1).expand(b, 1, h, w);
        return maps.gather(1, index).squeeze(1);
    }

    /// <summary>Multiply-accumulates of one forward pass on one H×W image, counted from the module graph.</summary>
    public long CountMacs(int height, int width)
    {
        var (macs, blocks) = _backbone.CountMacs(new FeatureShape(3, height, width));
        var last = blocks[^1];
        macs += last.Channels * Classes; // fc after global average pooling
        if (_saol is not null)
        {
            macs += _saol.CountMacs(blocks);
        }
        if (_abn is not null)
        {
            macs += _abn.CountMacs(last.Height, last.Width);
        }
        if (Head == HeadKind.Cam)
        {
            macs += last.Channels * Classes * last.Height * last.Width;
        }
        return macs;
    }
}
