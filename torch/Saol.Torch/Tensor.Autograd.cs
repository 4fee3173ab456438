using Saol.Torch.Internal;

namespace Saol.Torch;

/// <summary>Autograd: gradients, backward, detaching and gradient hooks.</summary>
public partial class Tensor
{
    /// <summary>Whether autograd records operations on this tensor.</summary>
    public bool requires_grad
    {
        get => Info.RequiresGrad != 0;
        set => Interop.Check(Interop.SaolTorch_Tensor_SetRequiresGrad(Handle, value ? 1 : 0));
    }

    /// <summary>Sets <see cref="requires_grad"/> and returns this tensor.</summary>
    public Tensor requires_grad_(bool requires_grad = true)
    {
        this.requires_grad = requires_grad;
        return this;
    }

    /// <summary>
    /// The accumulated gradient, or null before the first backward (or after
    /// <c>zero_grad(set_to_none: true)</c>). Each read returns a new reference to the same storage.
    /// </summary>
    public Tensor? grad
    {
        get
        {
            Interop.Check(Interop.SaolTorch_Tensor_Grad(Handle, out var r));
            return WrapNullable(r);
        }
        set => Interop.Check(Interop.SaolTorch_Tensor_SetGrad(Handle, HOpt(value)));
    }

    /// <summary>Computes the gradient of this tensor with respect to the graph leaves.</summary>
    /// <param name="gradient">d(out)/d(this); may be omitted for a one-element tensor.</param>
    /// <param name="retain_graph">Keeps the graph for another backward.</param>
    /// <param name="create_graph">Records the backward itself, for higher-order gradients.</param>
    public void backward(Tensor? gradient = null, bool retain_graph = false, bool create_graph = false)
    {
        var status = Interop.SaolTorch_Tensor_Backward(Handle, HOpt(gradient), retain_graph ? 1 : 0, create_graph ? 1 : 0);
        if (status != 0)
        {
            GradientHooks.ThrowFailure(status);
        }
    }

    /// <summary>A new tensor sharing storage, outside the autograd graph.</summary>
    public Tensor detach() => Result(Interop.SaolTorch_Tensor_Detach(Handle, out var r), r);

    /// <summary>Detaches this tensor from the graph in place.</summary>
    public Tensor detach_()
    {
        Interop.Check(Interop.SaolTorch_Tensor_Detach_(Handle));
        return this;
    }

    /// <summary>
    /// Registers <paramref name="hook"/> to run whenever the gradient with respect to this tensor is
    /// computed during backward, before it is accumulated into <see cref="grad"/>. The hook gets the
    /// gradient (valid only during the call: keep it with <see cref="DetachFromDisposeScope"/> or
    /// copy it); returning a tensor replaces the gradient, returning null keeps it. An exception
    /// thrown by the hook fails that <see cref="backward"/> with a <see cref="TorchException"/> whose
    /// inner exception is the hook's.
    /// </summary>
    /// <returns>A handle that removes the hook when disposed.</returns>
    public HookHandle register_hook(Func<Tensor, Tensor?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return GradientHooks.Register(this, hook);
    }

    /// <summary>
    /// Registers <paramref name="hook"/> to run after backward has accumulated this leaf's gradient
    /// into <see cref="grad"/> (PyTorch 2.1's <c>register_post_accumulate_grad_hook</c>): the point
    /// where an all-reduce bucket can take the finished gradient. The hook gets this tensor (a new
    /// reference, freed when the hook returns). The hook stays registered until the returned
    /// handle is disposed; an exception fails that <see cref="backward"/> as for <see cref="register_hook(Func{Tensor, Tensor?})"/>.
    /// </summary>
    public HookHandle register_post_accumulate_grad_hook(Action<Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return GradientHooks.RegisterPostAccumulate(this, hook);
    }

    /// <summary>Registers a hook that only observes the gradient.</summary>
    public HookHandle register_hook(Action<Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return GradientHooks.Register(this, g =>
        {
            hook(g);
            return null;
        });
    }
}

/// <summary>Removes a gradient hook registered with <see cref="Tensor.register_hook(Func{Tensor, Tensor?})"/> or <see cref="Tensor.register_post_accumulate_grad_hook"/>.</summary>
public sealed class HookHandle : IDisposable
{
    private readonly Action _remove;
    private readonly Func<bool> _gone;
    private bool _removed;

    internal HookHandle(Action remove, Func<bool> gone)
    {
        _remove = remove;
        _gone = gone;
    }

    /// <summary>Removes the hook (no effect once removed or when the tensor is gone).</summary>
    public void remove()
    {
        if (_removed || _gone())
        {
            return;
        }
        _removed = true;
        _remove();
    }

    /// <summary>Removes the hook.</summary>
    public void Dispose() => remove();
}
