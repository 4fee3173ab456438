using System.Runtime.InteropServices;

namespace Saol.Torch.Internal;

/// <summary>
/// Owns one native at::Tensor reference. Passing it to a P/Invoke adds a reference for the call,
/// so a tensor disposed on another thread cannot be freed mid-call, and a disposed handle makes
/// the call throw <see cref="ObjectDisposedException"/> instead of touching freed memory.
/// </summary>
internal sealed class TensorHandle : SafeHandle
{
    internal TensorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    internal TensorHandle(IntPtr handle)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <summary>
    /// Stands for "no tensor" in optional arguments (a bias, a weight): it marshals as a null
    /// pointer and, being invalid, is never released.
    /// </summary>
    internal static readonly TensorHandle Null = new();

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        Interop.SaolTorch_Tensor_Free(handle);
        return true;
    }
}

/// <summary>
/// The raw handles of several tensors for one native call (cat, stack, an optimizer step), each
/// kept referenced until disposed, so none can be freed while native code reads it.
/// </summary>
internal ref struct HandleArray
{
    private readonly ReadOnlySpan<Tensor> _tensors;
    private readonly IntPtr[] _handles;
    private int _referenced;

    internal HandleArray(ReadOnlySpan<Tensor> tensors)
    {
        _tensors = tensors;
        _handles = new IntPtr[tensors.Length];
        _referenced = 0;
        try
        {
            for (var i = 0; i < tensors.Length; i++)
            {
                var h = (tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"tensor {i} is null")).Handle;
                var added = false;
                h.DangerousAddRef(ref added);
                _referenced++;
                _handles[i] = h.DangerousGetHandle();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal readonly IntPtr[] Handles => _handles;

    public void Dispose()
    {
        for (var i = 0; i < _referenced; i++)
        {
            _tensors[i].Handle.DangerousRelease();
        }
        _referenced = 0;
    }
}
