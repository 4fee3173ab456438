using Saol.Models.Internal;
using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;

namespace Saol.Models.Backbones.Internal;

/// <summary>
/// A feature extractor whose modules the network registers at its own top level (so parameter
/// names are torchvision's: <c>conv1.weight</c>, <c>layer1.0.bn1.running_mean</c>, …) and whose
/// forward pass returns the feature map of every block (stage), X¹ … X^L.
/// </summary>
internal abstract class Backbone
{
    /// <summary>The named top-level modules, in registration order.</summary>
    public abstract IReadOnlyList<(string Name, nn.Module Module)> Modules { get; }

    /// <summary>Output channels of each block.</summary>
    public abstract IReadOnlyList<long> BlockChannels { get; }

    /// <summary>The BN whose output ends each residual branch (zero-γ initialisation sets its γ to 0).</summary>
    public abstract IEnumerable<BatchNorm2d> ResidualLastNorms { get; }

    /// <summary>True for the ImageNet-size (torchvision) ResNets.</summary>
    public abstract bool ImageNetSize { get; }

    /// <summary>The feature maps of every block for a batch of images.</summary>
    public abstract Tensor[] Forward(Tensor images);

    /// <summary>MACs of the backbone on one image and the shape of each block's output.</summary>
    public abstract (long Macs, FeatureShape[] Blocks) CountMacs(FeatureShape image);

    /// <summary>Adds the MACs of the blocks, run in order from the stem's output, to the stem's MACs.</summary>
    protected static (long Macs, FeatureShape[] Blocks) CountBlocks(long stemMacs, FeatureShape stemOutput, IEnumerable<IMacCounted> blocks)
    {
        var macs = stemMacs;
        var shape = stemOutput;
        var shapes = new List<FeatureShape>();
        foreach (var block in blocks)
        {
            var (m, next) = block.CountMacs(shape);
            macs += m;
            shape = next;
            shapes.Add(next);
        }
        return (macs, shapes.ToArray());
    }

    /// <summary>Zero-γ initialisation (Goyal et al., 2017): every residual branch starts as the identity.</summary>
    public void ZeroResidualGammas()
    {
        using (no_grad())
        {
            foreach (var bn in ResidualLastNorms)
            {
                bn.weight!.zero_();
            }
        }
    }
}
