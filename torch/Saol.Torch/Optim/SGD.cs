using Saol.Torch.Internal;

namespace Saol.Torch.Optim;

/// <summary>
/// The parameters of one group and their hyper-parameters (a torch.optim param group). Values
/// left null take the optimizer's defaults; <see cref="LearningRate"/> may be changed between
/// steps (an LR schedule sets it every step).
/// </summary>
public sealed class ParamGroup
{
    /// <summary>Creates a group; null hyper-parameters take the optimizer's defaults.</summary>
    public ParamGroup(IEnumerable<Tensor> parameters, double? lr = null, double? momentum = null, double? dampening = null, double? weight_decay = null, bool? nesterov = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToArray();
        LearningRate = lr ?? double.NaN;
        Momentum = momentum ?? double.NaN;
        Dampening = dampening ?? double.NaN;
        WeightDecay = weight_decay ?? double.NaN;
        Nesterov = nesterov;
    }

    /// <summary>The group's parameters.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>The learning rate.</summary>
    public double LearningRate { get; set; }

    /// <summary>The momentum factor.</summary>
    public double Momentum { get; set; }

    /// <summary>The dampening of the momentum.</summary>
    public double Dampening { get; set; }

    /// <summary>The L2 penalty (0 for BN parameters and biases when configured).</summary>
    public double WeightDecay { get; set; }

    /// <summary>Nesterov momentum.</summary>
    public bool? Nesterov { get; set; }

    /// <summary>Maximises the objective instead of minimising it.</summary>
    public bool Maximize { get; set; }

    internal Tensor?[] Buffers { get; set; } = [];
}

/// <summary>
/// Stochastic gradient descent with momentum, Nesterov momentum and weight decay, computing
/// exactly what torch.optim.SGD (1.13) computes. Each group's update is one native call.
/// </summary>
public sealed class SGD : IDisposable
{
    private readonly List<ParamGroup> _groups = [];
    private bool _disposed;

    internal SGD(IEnumerable<ParamGroup> groups, double lr, double momentum, double dampening, double weight_decay, bool nesterov, bool maximize)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var g in groups)
        {
            ArgumentNullException.ThrowIfNull(g);
            if (double.IsNaN(g.LearningRate)) { g.LearningRate = lr; }
            if (double.IsNaN(g.Momentum)) { g.Momentum = momentum; }
            if (double.IsNaN(g.Dampening)) { g.Dampening = dampening; }
            if (double.IsNaN(g.WeightDecay)) { g.WeightDecay = weight_decay; }
            g.Nesterov ??= nesterov;
            g.Maximize = maximize;
            Validate(g);
            foreach (var p in g.Parameters)
            {
                if (p is null || !seen.Add(p))
                {
                    throw new ArgumentException("a parameter is null or appears in more than one group");
                }
            }
            g.Buffers = new Tensor?[g.Parameters.Count];
            _groups.Add(g);
        }
        if (_groups.Count == 0 || _groups.All(g => g.Parameters.Count == 0))
        {
            throw new ArgumentException("optimizer got an empty parameter list");
        }
    }

    private static void Validate(ParamGroup g)
    {
        if (g.LearningRate < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(g), g.LearningRate, "invalid learning rate");
        }
        if (g.Momentum < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(g), g.Momentum, "invalid momentum value");
        }
        if (g.WeightDecay < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(g), g.WeightDecay, "invalid weight_decay value");
        }
        if (g.Nesterov == true && (g.Momentum <= 0 || g.Dampening != 0))
        {
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
    }

    /// <summary>The parameter groups, in order.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public unsafe void step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var g in _groups)
        {
            Validate(g);
            var buffers = g.Buffers;
            using var parameters = new HandleArray(g.Parameters.ToArray());
            var bufferHandles = new IntPtr[buffers.Length];
            var referenced = 0;
            try
            {
                for (; referenced < buffers.Length; referenced++)
                {
                    if (buffers[referenced] is { } b)
                    {
                        var added = false;
                        b.Handle.DangerousAddRef(ref added);
                        bufferHandles[referenced] = b.Handle.DangerousGetHandle();
                    }
                }
                fixed (IntPtr* p = parameters.Handles, h = bufferHandles)
                {
                    Interop.Check(Interop.SaolTorch_Optim_SgdStep(p, h, buffers.Length, g.LearningRate, g.Momentum, g.Dampening, g.WeightDecay, g.Nesterov == true ? 1 : 0, g.Maximize ? 1 : 0));
                }
            }
            finally
            {
                for (var i = 0; i < referenced; i++)
                {
                    if (buffers[i] is { } b)
                    {
                        b.Handle.DangerousRelease();
                    }
                    else if (bufferHandles[i] != IntPtr.Zero)
                    {
                        // A buffer the native step created: the optimizer owns it, no scope does.
                        buffers[i] = new Tensor(bufferHandles[i]).DetachFromDisposeScope();
                    }
                }
            }
        }
    }

    /// <summary>Zeroes (or, with <paramref name="set_to_none"/>, drops) every parameter's gradient.</summary>
    public void zero_grad(bool set_to_none = false)
    {
        foreach (var g in _groups)
        {
            foreach (var p in g.Parameters)
            {
                torch.nn.Module.ZeroGrad(p, set_to_none);
            }
        }
    }

    /// <summary>
    /// The optimizer state as named tensors for a checkpoint: "state.{i}.momentum_buffer" for the
    /// i-th parameter across groups (PyTorch's optimizer state_dict numbering). The values are the
    /// optimizer's own buffers (no copies): read or copy them, do not dispose them.
    /// </summary>
    public Dictionary<string, Tensor> state_dict()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var index = 0;
        foreach (var g in _groups)
        {
            foreach (var b in g.Buffers)
            {
                if (b is not null)
                {
                    result[$"state.{index}.momentum_buffer"] = b;
                }
                index++;
            }
        }
        return result;
    }

    /// <summary>
    /// Restores state written by <see cref="state_dict"/>: each buffer is copied onto its
    /// parameter's dtype and device; parameters without an entry start with no momentum.
    /// </summary>
    public void load_state_dict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var total = _groups.Sum(g => g.Parameters.Count);
        foreach (var key in state.Keys)
        {
            var parts = key.Split('.');
            if (parts.Length != 3 || parts[0] != "state" || parts[2] != "momentum_buffer" || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) || i >= total)
            {
                throw new ArgumentException($"unexpected optimizer state entry '{key}'", nameof(state));
            }
        }
        var index = 0;
        var loaded = new List<Tensor?[]>();
        foreach (var g in _groups)
        {
            var buffers = new Tensor?[g.Parameters.Count];
            for (var i = 0; i < buffers.Length; i++, index++)
            {
                if (state.TryGetValue($"state.{index}.momentum_buffer", out var value))
                {
                    var p = g.Parameters[i];
                    if (!p.shape.AsSpan().SequenceEqual(value.shape))
                    {
                        throw new ArgumentException($"momentum buffer {index} has shape [{string.Join(", ", value.shape)}], its parameter [{string.Join(", ", p.shape)}]", nameof(state));
                    }
                    buffers[i] = value.to(p.dtype, p.device, copy: true).DetachFromDisposeScope();
                }
            }
            loaded.Add(buffers);
        }
        for (var gi = 0; gi < _groups.Count; gi++)
        {
            foreach (var old in _groups[gi].Buffers)
            {
                old?.Dispose();
            }
            _groups[gi].Buffers = loaded[gi];
        }
    }

    /// <summary>Frees the momentum buffers.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var g in _groups)
        {
            foreach (var b in g.Buffers)
            {
                b?.Dispose();
            }
        }
    }
}
