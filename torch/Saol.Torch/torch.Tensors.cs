using System.Runtime.InteropServices;
using Saol.Torch.Internal;

namespace Saol.Torch;

/// <summary>Tensor creation, joining and the dtype aliases.</summary>
public static partial class torch
{
#pragma warning disable CA1707, CA1720 // PyTorch's spelling is the point of this API.
    /// <summary>torch.uint8.</summary>
    public const ScalarType uint8 = ScalarType.Byte;
    /// <summary>torch.int8.</summary>
    public const ScalarType int8 = ScalarType.Int8;
    /// <summary>torch.int16.</summary>
    public const ScalarType int16 = ScalarType.Int16;
    /// <summary>torch.int32.</summary>
    public const ScalarType int32 = ScalarType.Int32;
    /// <summary>torch.int64.</summary>
    public const ScalarType int64 = ScalarType.Int64;
    /// <summary>torch.float16.</summary>
    public const ScalarType float16 = ScalarType.Float16;
    /// <summary>torch.bfloat16.</summary>
    public const ScalarType bfloat16 = ScalarType.BFloat16;
    /// <summary>torch.float32.</summary>
    public const ScalarType float32 = ScalarType.Float32;
    /// <summary>torch.float64.</summary>
    public const ScalarType float64 = ScalarType.Float64;
    /// <summary>torch.bool.</summary>
    public const ScalarType @bool = ScalarType.Bool;
#pragma warning restore CA1707, CA1720

    /// <summary>The CPU device.</summary>
    public static Device CPU => Device.CPU;

    /// <summary>Parses a device name (<c>"cpu"</c>, <c>"cuda:1"</c>).</summary>
    public static Device device(string description) => new(description);

    /// <summary>A device by type and index.</summary>
    public static Device device(DeviceType type, int index = -1) => new(type, index);

    private static int DeviceTypeCode(Device? device) => device is null ? 0 : (int)device.type;

    private static int DeviceIndex(Device? device) => device?.index ?? -1;

    private static unsafe Tensor Create(delegate*<long*, int, int, int, int, int, out IntPtr, int> factory, ReadOnlySpan<long> size, ScalarType? dtype, Device? device, bool requires_grad)
    {
        fixed (long* s = size)
        {
            return Tensor.Result(factory(s, size.Length, (int)(dtype ?? ScalarType.Float32), DeviceTypeCode(device), DeviceIndex(device), requires_grad ? 1 : 0, out var r), r);
        }
    }

    /// <summary>An uninitialised tensor.</summary>
    public static unsafe Tensor empty(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(&Interop.SaolTorch_Tensor_Empty, size, dtype, device, requires_grad);

    /// <summary>An uninitialised float32 CPU tensor.</summary>
    public static Tensor empty(params long[] size) => empty(size, null);

    /// <summary>A tensor of zeros.</summary>
    public static unsafe Tensor zeros(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(&Interop.SaolTorch_Tensor_Zeros, size, dtype, device, requires_grad);

    /// <summary>A float32 CPU tensor of zeros.</summary>
    public static Tensor zeros(params long[] size) => zeros(size, null);

    /// <summary>A tensor of ones.</summary>
    public static unsafe Tensor ones(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(&Interop.SaolTorch_Tensor_Ones, size, dtype, device, requires_grad);

    /// <summary>A float32 CPU tensor of ones.</summary>
    public static Tensor ones(params long[] size) => ones(size, null);

    /// <summary>Samples of U[0, 1).</summary>
    public static unsafe Tensor rand(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(&Interop.SaolTorch_Tensor_Rand, size, dtype, device, requires_grad);

    /// <summary>Float32 CPU samples of U[0, 1).</summary>
    public static Tensor rand(params long[] size) => rand(size, null);

    /// <summary>Samples of N(0, 1).</summary>
    public static unsafe Tensor randn(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        Create(&Interop.SaolTorch_Tensor_Randn, size, dtype, device, requires_grad);

    /// <summary>Float32 CPU samples of N(0, 1).</summary>
    public static Tensor randn(params long[] size) => randn(size, null);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static unsafe Tensor full(long[] size, double value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        ArgumentNullException.ThrowIfNull(size);
        fixed (long* s = size)
        {
            return Tensor.Result(Interop.SaolTorch_Tensor_Full(s, size.Length, value, 0, (int)(dtype ?? ScalarType.Float32), DeviceTypeCode(device), DeviceIndex(device), requires_grad ? 1 : 0, out var r), r);
        }
    }

    /// <summary>A tensor filled with the integer <paramref name="value"/> (int64 unless given).</summary>
    public static unsafe Tensor full(long[] size, long value, ScalarType? dtype = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(size);
        fixed (long* s = size)
        {
            return Tensor.Result(Interop.SaolTorch_Tensor_Full(s, size.Length, value, 1, (int)(dtype ?? ScalarType.Int64), DeviceTypeCode(device), DeviceIndex(device), 0, out var r), r);
        }
    }

    /// <summary>Integers uniformly drawn from [low, high) (int64 unless given).</summary>
    public static unsafe Tensor randint(long low, long high, long[] size, ScalarType? dtype = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(size);
        fixed (long* s = size)
        {
            return Tensor.Result(Interop.SaolTorch_Tensor_Randint(low, high, s, size.Length, (int)(dtype ?? ScalarType.Int64), DeviceTypeCode(device), DeviceIndex(device), out var r), r);
        }
    }

    /// <summary>Integers uniformly drawn from [0, high).</summary>
    public static Tensor randint(long high, long[] size, ScalarType? dtype = null, Device? device = null) => randint(0, high, size, dtype, device);

    /// <summary>A random permutation of 0..n-1 (int64 unless given).</summary>
    public static Tensor randperm(long n, ScalarType? dtype = null, Device? device = null) =>
        Tensor.Result(Interop.SaolTorch_Tensor_Randperm(n, (int)(dtype ?? ScalarType.Int64), DeviceTypeCode(device), DeviceIndex(device), out var r), r);

    /// <summary>start, start+step, ... below end (int64 unless given).</summary>
    public static Tensor arange(long start, long end, long step = 1, ScalarType? dtype = null, Device? device = null) =>
        Tensor.Result(Interop.SaolTorch_Tensor_Arange(start, end, step, (int)(dtype ?? ScalarType.Int64), DeviceTypeCode(device), DeviceIndex(device), out var r), r);

    /// <summary>0, 1, ... below end (int64 unless given).</summary>
    public static Tensor arange(long end, ScalarType? dtype = null, Device? device = null) => arange(0, end, 1, dtype, device);

    /// <summary>start, start+step, ... below end (float32 unless given).</summary>
    public static Tensor arange(double start, double end, double step = 1, ScalarType? dtype = null, Device? device = null) =>
        Tensor.Result(Interop.SaolTorch_Tensor_Arange(start, end, step, (int)(dtype ?? ScalarType.Float32), DeviceTypeCode(device), DeviceIndex(device), out var r), r);

    /// <summary>Zeros shaped like <paramref name="other"/> (same dtype and device unless given).</summary>
    public static Tensor zeros_like(Tensor other, ScalarType? dtype = null, Device? device = null) => Like(zeros, other, dtype, device);

    /// <summary>Ones shaped like <paramref name="other"/>.</summary>
    public static Tensor ones_like(Tensor other, ScalarType? dtype = null, Device? device = null) => Like(ones, other, dtype, device);

    /// <summary>An uninitialised tensor shaped like <paramref name="other"/>.</summary>
    public static Tensor empty_like(Tensor other, ScalarType? dtype = null, Device? device = null) => Like(empty, other, dtype, device);

    /// <summary>U[0, 1) samples shaped like <paramref name="other"/>.</summary>
    public static Tensor rand_like(Tensor other, ScalarType? dtype = null, Device? device = null) => Like(rand, other, dtype, device);

    /// <summary>N(0, 1) samples shaped like <paramref name="other"/>.</summary>
    public static Tensor randn_like(Tensor other, ScalarType? dtype = null, Device? device = null) => Like(randn, other, dtype, device);

    /// <summary>A tensor shaped like <paramref name="other"/> filled with <paramref name="value"/>.</summary>
    public static Tensor full_like(Tensor other, double value, ScalarType? dtype = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(other);
        return full(other.shape, value, dtype ?? other.dtype, device ?? other.device);
    }

    private static Tensor Like(Func<long[], ScalarType?, Device?, bool, Tensor> factory, Tensor other, ScalarType? dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(other);
        return factory(other.shape, dtype ?? other.dtype, device ?? other.device, false);
    }

    // ---- from managed data -------------------------------------------------------------------

    /// <summary>
    /// A tensor holding a copy of <paramref name="data"/> (shape: <paramref name="dimensions"/>, or 1-d),
    /// converted to <paramref name="dtype"/> and moved to <paramref name="device"/> when given.
    /// </summary>
    public static Tensor tensor<T>(T[] data, long[]? dimensions = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return tensor((ReadOnlySpan<T>)data, dimensions ?? [data.LongLength], dtype, device, requires_grad);
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/> with shape <paramref name="dimensions"/>.</summary>
    public static Tensor tensor<T>(ReadOnlySpan<T> data, long[] dimensions, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        long count = 1;
        foreach (var d in dimensions)
        {
            if (d < 0)
            {
                throw new ArgumentException($"negative dimension {d}", nameof(dimensions));
            }
            count *= d;
        }
        if (count != data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", dimensions)}] holds {count} elements but {data.Length} were given", nameof(dimensions));
        }
        var native = ElementType<T>.ScalarType;
        var result = empty(dimensions, native);
        data.CopyTo(result.data<T>());
        if ((dtype is { } t && t != native) || (device is not null && device.type != DeviceType.CPU))
        {
            var converted = result.to(dtype ?? native, device);
            result.Dispose();
            result = converted;
        }
        if (requires_grad)
        {
            result.requires_grad = true;
        }
        return result;
    }

    /// <summary>A 0-d float32 tensor.</summary>
    public static Tensor tensor(float value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) => tensor([value], [], dtype, device, requires_grad);

    /// <summary>A 0-d float64 tensor.</summary>
    public static Tensor tensor(double value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) => tensor([value], [], dtype, device, requires_grad);

    /// <summary>A 0-d int64 tensor.</summary>
    public static Tensor tensor(long value, ScalarType? dtype = null, Device? device = null) => tensor([value], [], dtype, device);

    /// <summary>A 0-d int32 tensor.</summary>
    public static Tensor tensor(int value, ScalarType? dtype = null, Device? device = null) => tensor([value], [], dtype, device);

    /// <summary>A 0-d bool tensor.</summary>
    public static Tensor tensor(bool value, Device? device = null) => tensor([value], [], null, device);

    /// <summary>
    /// A CPU tensor over the managed array's own memory, without copying: the array is pinned
    /// until the tensor's storage is freed, and writes through either side are seen by the other.
    /// The shape is the array's (or <paramref name="dimensions"/> for a 1-d array).
    /// </summary>
    public static unsafe Tensor from_array(Array array, long[]? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(array);
        var elementType = array.GetType().GetElementType()!;
        var dtype = ScalarTypeOf(elementType);
        long[] shape;
        if (dimensions is not null)
        {
            long count = 1;
            foreach (var d in dimensions)
            {
                count *= d;
            }
            if (count != array.LongLength || dimensions.Any(d => d < 0))
            {
                throw new ArgumentException($"shape [{string.Join(", ", dimensions)}] does not match {array.LongLength} elements", nameof(dimensions));
            }
            shape = dimensions;
        }
        else
        {
            shape = new long[array.Rank];
            for (var i = 0; i < shape.Length; i++)
            {
                shape[i] = array.GetLongLength(i);
            }
        }
        var pin = GCHandle.Alloc(array, GCHandleType.Pinned);
        var data = (void*)pin.AddrOfPinnedObject();
        fixed (long* s = shape)
        {
            // The shim frees the pin itself if creation fails, so there is exactly one release.
            return Tensor.Result(Interop.SaolTorch_Tensor_FromBlob(data, s, shape.Length, (int)dtype, &ReleasePin, (long)GCHandle.ToIntPtr(pin), out var r), r);
        }
    }

    [UnmanagedCallersOnly]
    private static void ReleasePin(long context) => GCHandle.FromIntPtr(new IntPtr(context)).Free();

    private static ScalarType ScalarTypeOf(Type t) =>
        t == typeof(float) ? ScalarType.Float32
        : t == typeof(double) ? ScalarType.Float64
        : t == typeof(long) ? ScalarType.Int64
        : t == typeof(int) ? ScalarType.Int32
        : t == typeof(short) ? ScalarType.Int16
        : t == typeof(sbyte) ? ScalarType.Int8
        : t == typeof(byte) ? ScalarType.Byte
        : t == typeof(bool) ? ScalarType.Bool
        : t == typeof(Half) ? ScalarType.Float16
        : t == typeof(BFloat16) ? ScalarType.BFloat16
        : throw new NotSupportedException($"no libtorch element type for {t.Name}");

    // ---- joining and selection -----------------------------------------------------------------

    /// <summary>Concatenates along an existing dimension.</summary>
    public static unsafe Tensor cat(IList<Tensor> tensors, long dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var handles = new HandleArray(tensors.ToArray());
        fixed (IntPtr* h = handles.Handles)
        {
            return Tensor.Result(Interop.SaolTorch_Tensor_Cat(h, handles.Handles.Length, dim, out var r), r);
        }
    }

    /// <summary>Stacks along a new dimension.</summary>
    public static unsafe Tensor stack(IList<Tensor> tensors, long dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var handles = new HandleArray(tensors.ToArray());
        fixed (IntPtr* h = handles.Handles)
        {
            return Tensor.Result(Interop.SaolTorch_Tensor_Stack(h, handles.Handles.Length, dim, out var r), r);
        }
    }

    /// <summary>Elements of <paramref name="x"/> where <paramref name="condition"/> holds, else of <paramref name="y"/>.</summary>
    public static Tensor where(Tensor condition, Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return Tensor.Result(Interop.SaolTorch_Tensor_Where(condition.Handle, x.Handle, y.Handle, out var r), r);
    }

    /// <summary>Matrix product (torch.matmul).</summary>
    public static Tensor matmul(Tensor a, Tensor b) => (a ?? throw new ArgumentNullException(nameof(a))).matmul(b);

    /// <summary>One-hot encoding of int64 class indices (int64 result).</summary>
    public static Tensor one_hot(Tensor indices, long num_classes = -1)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return Tensor.Result(Interop.SaolTorch_Tensor_OneHot(indices.Handle, num_classes, out var r), r);
    }
}
