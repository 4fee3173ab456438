using Saol.Torch;
using static Saol.Torch.torch;

namespace Saol.Models.Internal;

/// <summary>Children named "0", "1", … like PyTorch's nn.ModuleList, so parameter names match.</summary>
internal sealed class IndexedModules<T> : nn.Module
    where T : nn.Module
{
    private readonly T[] _items;

    public IndexedModules(IEnumerable<T> items)
        : base("ModuleList")
    {
        _items = items.ToArray();
        for (var i = 0; i < _items.Length; i++)
        {
            register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), _items[i]);
        }
    }

    public IReadOnlyList<T> Items => _items;
}
