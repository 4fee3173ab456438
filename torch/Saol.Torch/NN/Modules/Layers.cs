using static Saol.Torch.torch;

namespace Saol.Torch.Modules;

/// <summary>max(x, 0) (torch.nn.ReLU).</summary>
public sealed class ReLU : nn.Module<Tensor, Tensor>
{
    private readonly bool _inplace;

    internal ReLU(bool inplace)
        : base(nameof(ReLU)) => _inplace = inplace;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.relu(input, _inplace);
}

/// <summary>Logistic sigmoid (torch.nn.Sigmoid).</summary>
public sealed class Sigmoid : nn.Module<Tensor, Tensor>
{
    internal Sigmoid()
        : base(nameof(Sigmoid))
    {
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.sigmoid(input);
}

/// <summary>Returns its input (torch.nn.Identity). The result is a new reference the caller owns.</summary>
public sealed class Identity : nn.Module<Tensor, Tensor>
{
    internal Identity()
        : base(nameof(Identity))
    {
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => (input ?? throw new ArgumentNullException(nameof(input))).alias();
}

/// <summary>Flattens dimensions start_dim..end_dim (torch.nn.Flatten).</summary>
public sealed class Flatten : nn.Module<Tensor, Tensor>
{
    private readonly long _start;
    private readonly long _end;

    internal Flatten(long startDim, long endDim)
        : base(nameof(Flatten))
    {
        _start = startDim;
        _end = endDim;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => (input ?? throw new ArgumentNullException(nameof(input))).flatten(_start, _end);
}

/// <summary>Dropout (torch.nn.Dropout): active only in training mode.</summary>
public sealed class Dropout : nn.Module<Tensor, Tensor>
{
    private readonly double _p;
    private readonly bool _inplace;

    internal Dropout(double p, bool inplace)
        : base(nameof(Dropout))
    {
        if (p is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        }
        _p = p;
        _inplace = inplace;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.dropout(input, _p, training, _inplace);
}

/// <summary>2-d max pooling (torch.nn.MaxPool2d).</summary>
public sealed class MaxPool2d : nn.Module<Tensor, Tensor>
{
    private readonly long[] _kernel;
    private readonly long[]? _stride;
    private readonly long[] _padding;
    private readonly long[] _dilation;
    private readonly bool _ceilMode;

    internal MaxPool2d(long[] kernel, long[]? stride, long[] padding, long[] dilation, bool ceilMode)
        : base(nameof(MaxPool2d))
    {
        _kernel = kernel;
        _stride = stride;
        _padding = padding;
        _dilation = dilation;
        _ceilMode = ceilMode;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.max_pool2d(input, _kernel, _stride, _padding, _dilation, _ceilMode);
}

/// <summary>2-d average pooling (torch.nn.AvgPool2d).</summary>
public sealed class AvgPool2d : nn.Module<Tensor, Tensor>
{
    private readonly long[] _kernel;
    private readonly long[]? _stride;
    private readonly long[] _padding;
    private readonly bool _ceilMode;
    private readonly bool _countIncludePad;

    internal AvgPool2d(long[] kernel, long[]? stride, long[] padding, bool ceilMode, bool countIncludePad)
        : base(nameof(AvgPool2d))
    {
        _kernel = kernel;
        _stride = stride;
        _padding = padding;
        _ceilMode = ceilMode;
        _countIncludePad = countIncludePad;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.avg_pool2d(input, _kernel, _stride, _padding, _ceilMode, _countIncludePad);
}

/// <summary>Average pooling to a fixed output size (torch.nn.AdaptiveAvgPool2d).</summary>
public sealed class AdaptiveAvgPool2d : nn.Module<Tensor, Tensor>
{
    private readonly long[] _outputSize;

    internal AdaptiveAvgPool2d(long[] outputSize)
        : base(nameof(AdaptiveAvgPool2d)) => _outputSize = outputSize;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.adaptive_avg_pool2d(input, _outputSize);
}

/// <summary>
/// Applies its children in order (torch.nn.Sequential); children are named "0", "1", ... unless
/// given names. Intermediate results are disposed as soon as the next child has consumed them.
/// </summary>
public sealed class Sequential : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> _layers = [];

    internal Sequential(IEnumerable<(string name, nn.Module<Tensor, Tensor> module)> modules)
        : base(nameof(Sequential))
    {
        foreach (var (name, module) in modules)
        {
            append(name, module);
        }
    }

    /// <summary>The number of children.</summary>
    public int Count => _layers.Count;

    /// <summary>The child at <paramref name="index"/>.</summary>
    public nn.Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <summary>Appends a child named by its position.</summary>
    public Sequential append(nn.Module<Tensor, Tensor> module) => append(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);

    /// <summary>Appends a named child.</summary>
    public Sequential append(string name, nn.Module<Tensor, Tensor> module)
    {
        ArgumentNullException.ThrowIfNull(module);
        register_module(name, module);
        _layers.Add(module);
        return this;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_layers.Count == 0)
        {
            return input.alias();
        }
        var x = _layers[0].forward(input);
        for (var i = 1; i < _layers.Count; i++)
        {
            var next = _layers[i].forward(x);
            if (!ReferenceEquals(next, x) && !ReferenceEquals(x, input))
            {
                x.Dispose();
            }
            x = next;
        }
        return x;
    }
}
