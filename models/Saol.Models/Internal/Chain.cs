using Saol.Torch;
using static Saol.Torch.torch;

namespace Saol.Models.Internal;

/// <summary>Blocks applied in order, named "0", "1", … like PyTorch's nn.Sequential, so parameter names match.</summary>
internal sealed class Chain<T> : nn.Module<Tensor, Tensor>, IMacCounted
    where T : nn.Module<Tensor, Tensor>, IMacCounted
{
    private readonly T[] _blocks;

    public Chain(IEnumerable<T> blocks)
        : base("Sequential")
    {
        _blocks = blocks.ToArray();
        for (var i = 0; i < _blocks.Length; i++)
        {
            register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), _blocks[i]);
        }
    }

    public IReadOnlyList<T> Blocks => _blocks;

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var block in _blocks)
        {
            x = block.forward(x);
        }
        return x;
    }

    public (long Macs, FeatureShape Output) CountMacs(FeatureShape input)
    {
        long macs = 0;
        var shape = input;
        foreach (var block in _blocks)
        {
            var (m, next) = block.CountMacs(shape);
            macs += m;
            shape = next;
        }
        return (macs, shape);
    }
}
