using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Saol.Torch.Internal;

namespace Saol.Torch;

/// <summary>
/// A libtorch tensor. The object owns one native reference (a <see cref="SafeHandle"/>), freed by
/// <see cref="Dispose()"/>, by the <see cref="DisposeScope"/> it was created in, or at the latest by
/// the finalizer. Every operation returns a new <see cref="Tensor"/> that shares storage where
/// libtorch does (views); names follow PyTorch and TorchSharp.
/// </summary>
public partial class Tensor : IDisposable
{
    internal Tensor(IntPtr handle)
    {
        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException("libtorch returned no tensor");
        }
        Handle = new TensorHandle(handle);
        DisposeScope.Current?.Add(this);
    }

    /// <summary>Takes over the native reference of <paramref name="other"/> (used by <see cref="torch.nn.Parameter"/>).</summary>
    private protected Tensor(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        other.Scope?.Remove(other);
        Handle = other.Handle;
    }

    internal TensorHandle Handle { get; }

    internal DisposeScope? Scope { get; set; }

    /// <summary>Wraps a result handle; a null handle means "no tensor" (an undefined grad).</summary>
    internal static Tensor? WrapNullable(IntPtr handle) => handle == IntPtr.Zero ? null : new Tensor(handle);

    /// <summary>Checks a status and wraps the result of an export that yields one tensor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Tensor Result(int status, IntPtr handle)
    {
        Interop.Check(status);
        return new Tensor(handle);
    }

    /// <summary>Checks a status and wraps the results of an export that yields values and indices.</summary>
    internal static (Tensor values, Tensor indices) Result2(int status, IntPtr values, IntPtr indices)
    {
        Interop.Check(status);
        return (new Tensor(values), new Tensor(indices));
    }

    /// <summary>True once the native reference has been released.</summary>
    public bool IsInvalid => Handle.IsClosed;

    /// <summary>Releases the native reference now (the storage goes when its last reference does).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the native reference.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Handle.Dispose();
        }
    }

    /// <summary>Removes this tensor from its dispose scope: the caller now owns it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope?.Remove(this);
        return this;
    }

    /// <summary>Hands this tensor to the scope enclosing the one that owns it (or to no scope).</summary>
    public Tensor MoveToOuterDisposeScope() => Scope is { } scope ? scope.MoveToOuter(this) : this;

    // ---- metadata --------------------------------------------------------------------------

    internal Interop.TensorInfo Info
    {
        get
        {
            Interop.Check(Interop.SaolTorch_Tensor_Info(Handle, out var info));
            return info;
        }
    }

    /// <summary>The sizes of every dimension.</summary>
    public long[] shape => ReadShape(strides: false);

    /// <summary>The strides of every dimension, in elements.</summary>
    public long[] stride() => ReadShape(strides: true);

    private unsafe long[] ReadShape(bool strides)
    {
        const int Capacity = 16;
        var buffer = stackalloc long[Capacity];
        Interop.Check(strides
            ? Interop.SaolTorch_Tensor_Shape(Handle, null, buffer, Capacity, out var dim)
            : Interop.SaolTorch_Tensor_Shape(Handle, buffer, null, Capacity, out dim));
        if (dim > Capacity)
        {
            var large = new long[dim];
            fixed (long* p = large)
            {
                Interop.Check(strides
                    ? Interop.SaolTorch_Tensor_Shape(Handle, null, p, dim, out _)
                    : Interop.SaolTorch_Tensor_Shape(Handle, p, null, dim, out _));
            }
            return large;
        }
        return new ReadOnlySpan<long>(buffer, dim).ToArray();
    }

    /// <summary>The sizes of every dimension (TorchSharp's <c>size()</c>, the same as <see cref="shape"/>).</summary>
    public long[] size() => shape;

    /// <summary>The size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long size(int dim)
    {
        var s = shape;
        var d = dim < 0 ? dim + s.Length : dim;
        if (d < 0 || d >= s.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"dimension out of range for a {s.Length}-d tensor");
        }
        return s[d];
    }

    /// <summary>The number of dimensions.</summary>
    public long dim() => Info.Dim;

    /// <summary>The number of dimensions.</summary>
    public long ndim => Info.Dim;

    /// <summary>The number of elements.</summary>
    public long numel() => Info.Numel;

    /// <summary>The element type.</summary>
    public ScalarType dtype => (ScalarType)Info.Dtype;

    /// <summary>The device the tensor lives on.</summary>
    public Device device
    {
        get
        {
            var info = Info;
            return info.DeviceType == 0 ? Device.CPU : new Device((DeviceType)info.DeviceType, info.DeviceIndex);
        }
    }

    /// <summary>The kind of device the tensor lives on.</summary>
    public DeviceType device_type => (DeviceType)Info.DeviceType;

    /// <summary>True when the elements are laid out densely in row-major order.</summary>
    public bool is_contiguous() => Info.IsContiguous != 0;

    /// <summary>True for tensors created by the user rather than by an operation that autograd records.</summary>
    public bool is_leaf => Info.IsLeaf != 0;

    /// <summary>The size of one element in bytes.</summary>
    public long element_size() => Info.ElementSize;

    // ---- element access ---------------------------------------------------------------------

    /// <summary>
    /// The elements of a contiguous CPU tensor, read and written in place (no copy). The span is
    /// valid while this tensor is alive and not resized.
    /// </summary>
    public unsafe Span<T> data<T>()
        where T : unmanaged
    {
        var info = Info;
        var expected = ElementType<T>.ScalarType;
        if (info.Dtype != (int)expected)
        {
            throw new TorchArgumentException($"data<{typeof(T).Name}>() needs a {expected} tensor, this one is {(ScalarType)info.Dtype}");
        }
        return new Span<T>(DataPointer(info), checked((int)info.Numel));
    }

    /// <summary>The raw little-endian bytes of a contiguous CPU tensor, in place (no copy).</summary>
    public unsafe Span<byte> bytes
    {
        get
        {
            var info = Info;
            return new Span<byte>(DataPointer(info), checked((int)(info.Numel * info.ElementSize)));
        }
    }

    private static unsafe void* DataPointer(in Interop.TensorInfo info)
    {
        if (info.DeviceType != (int)DeviceType.CPU)
        {
            throw new TorchArgumentException("direct element access needs a CPU tensor; call .cpu() first");
        }
        if (info.IsContiguous == 0)
        {
            throw new TorchArgumentException("direct element access needs a contiguous tensor; call .contiguous() first");
        }
        return info.Numel == 0 ? null : (void*)info.Data;
    }

    /// <summary>The elements copied into a new array (any device, any layout; converted to <typeparamref name="T"/>'s type).</summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        using var scope = torch.NewDisposeScope();
        var dense = to(ElementType<T>.ScalarType, Device.CPU).contiguous();
        return dense.data<T>().ToArray();
    }

    /// <summary>The value of a one-element tensor.</summary>
    public T item<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(short) || typeof(T) == typeof(byte) || typeof(T) == typeof(sbyte))
        {
            Interop.Check(Interop.SaolTorch_Tensor_ItemInt64(Handle, out var l));
            return typeof(T) == typeof(long) ? Unsafe.As<long, T>(ref l) : (T)Convert.ChangeType(l, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
        }
        Interop.Check(Interop.SaolTorch_Tensor_ItemDouble(Handle, out var d));
        if (typeof(T) == typeof(double))
        {
            return Unsafe.As<double, T>(ref d);
        }
        if (typeof(T) == typeof(float))
        {
            var f = (float)d;
            return Unsafe.As<float, T>(ref f);
        }
        if (typeof(T) == typeof(bool))
        {
            var b = d != 0;
            return Unsafe.As<bool, T>(ref b);
        }
        if (typeof(T) == typeof(Half))
        {
            var h = (Half)d;
            return Unsafe.As<Half, T>(ref h);
        }
        throw new NotSupportedException($"item<{typeof(T).Name}>() is not supported");
    }

    /// <summary>Shape, dtype and device, plus the values of small tensors.</summary>
    public override string ToString()
    {
        if (IsInvalid)
        {
            return "Tensor(disposed)";
        }
        var sb = new StringBuilder();
        sb.Append("Tensor([").AppendJoin(", ", shape).Append("], ").Append(dtype).Append(", ").Append(device).Append(')');
        if (numel() <= 16 && dtype != ScalarType.BFloat16)
        {
            sb.Append(" [").AppendJoin(", ", ToArray<double>()).Append(']');
        }
        return sb.ToString();
    }

    // ---- conversion and copies --------------------------------------------------------------

    /// <summary>Converts to another element type and/or device; returns an alias when nothing changes and <paramref name="copy"/> is false.</summary>
    public Tensor to(ScalarType? type = null, Device? device = null, bool non_blocking = false, bool copy = false) =>
        Result(Interop.SaolTorch_Tensor_To(Handle, type is null ? -1 : (int)type.Value, device is null ? -1 : (int)device.type, device?.index ?? -1, non_blocking ? 1 : 0, copy ? 1 : 0, out var r), r);

    /// <summary>Moves to a device.</summary>
    public Tensor to(Device device) => to(null, device);

    /// <summary>Converts to an element type.</summary>
    public Tensor to(ScalarType type) => to(type, null);

    /// <summary>Converts to an element type (TorchSharp's name).</summary>
    public Tensor to_type(ScalarType type) => to(type, null);

    /// <summary>Moves to the CPU.</summary>
    public Tensor cpu() => to(null, Device.CPU);

    /// <summary>Moves to a CUDA device (throws <see cref="TorchDeviceException"/> without CUDA).</summary>
    public Tensor cuda(int index = 0) => to(null, new Device(DeviceType.CUDA, index));

    /// <summary>Converts to float32.</summary>
    public Tensor @float() => to(ScalarType.Float32);

    /// <summary>Converts to int64.</summary>
    public Tensor @long() => to(ScalarType.Int64);

    /// <summary>Converts to float16.</summary>
    public Tensor half() => to(ScalarType.Float16);

    /// <summary>Converts to bfloat16.</summary>
    public Tensor bfloat16() => to(ScalarType.BFloat16);

    /// <summary>A new reference to this same tensor (same storage, same autograd identity).</summary>
    internal Tensor alias() => Result(Interop.SaolTorch_Tensor_Alias(Handle, out var r), r);

    /// <summary>A copy with its own storage.</summary>
    public Tensor clone() => Result(Interop.SaolTorch_Tensor_Clone(Handle, out var r), r);

    /// <summary>This tensor if contiguous, else a contiguous copy.</summary>
    public Tensor contiguous() => Result(Interop.SaolTorch_Tensor_Contiguous(Handle, out var r), r);

    /// <summary>Copies <paramref name="source"/> into this tensor (broadcasting, converting type and device).</summary>
    public Tensor copy_(Tensor source, bool non_blocking = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        Interop.Check(Interop.SaolTorch_Tensor_Copy_(Handle, source.Handle, non_blocking ? 1 : 0));
        return this;
    }

    /// <summary>Replaces this tensor's data with <paramref name="source"/>'s, keeping its identity (as <c>param.data = x</c>).</summary>
    public void set_data(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Interop.Check(Interop.SaolTorch_Tensor_SetData(Handle, source.Handle));
    }

    /// <summary>True when shapes and all elements are equal.</summary>
    public bool equal(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Interop.Check(Interop.SaolTorch_Tensor_Equal(Handle, other.Handle, out var r));
        return r != 0;
    }

    /// <summary>True when |this - other| &lt;= atol + rtol * |other| everywhere.</summary>
    public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(other);
        Interop.Check(Interop.SaolTorch_Tensor_Allclose(Handle, other.Handle, rtol, atol, out var r));
        return r != 0;
    }
}
