namespace Saol.Torch;

/// <summary>
/// Owns every tensor created on this thread while it is the innermost open scope, and disposes
/// them when it is disposed: the many temporaries of a training step are freed deterministically
/// instead of waiting for the garbage collector, which does not see native memory.
/// </summary>
/// <remarks>Open one with <see cref="torch.NewDisposeScope"/>; keep a result with
/// <see cref="Tensor.MoveToOuterDisposeScope"/> or <see cref="Tensor.DetachFromDisposeScope"/>.</remarks>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic]
    private static DisposeScope? t_current;

    private readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    private readonly DisposeScope? _outer;
    private bool _disposed;

    internal DisposeScope()
    {
        _outer = t_current;
        t_current = this;
    }

    internal static DisposeScope? Current => t_current;

    /// <summary>The number of tensors this scope currently owns.</summary>
    public int Count => _tensors.Count;

    internal void Add(Tensor tensor)
    {
        if (_disposed)
        {
            return;
        }
        _tensors.Add(tensor);
        tensor.Scope = this;
    }

    internal void Remove(Tensor tensor)
    {
        _tensors.Remove(tensor);
        tensor.Scope = null;
    }

    /// <summary>Hands <paramref name="tensor"/> to the enclosing scope (or to no scope) and returns it.</summary>
    public T MoveToOuter<T>(T tensor)
        where T : Tensor
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Scope == this)
        {
            Remove(tensor);
            _outer?.Add(tensor);
        }
        return tensor;
    }

    /// <summary>Disposes every tensor the scope still owns and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (t_current == this)
        {
            t_current = _outer;
        }
        foreach (var tensor in _tensors)
        {
            tensor.Scope = null;
            tensor.Dispose();
        }
        _tensors.Clear();
    }
}
