using Saol.Torch.Internal;

namespace Saol.Torch;

/// <summary>Views, reshaping, joining and indexing.</summary>
public partial class Tensor
{
    private unsafe Tensor WithLongs(delegate*<TensorHandle, long*, int, out IntPtr, int> op, long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        fixed (long* v = values)
        {
            return Result(op(Handle, v, values.Length, out var r), r);
        }
    }

    /// <summary>A view with another shape (one size may be -1); fails when the strides do not allow it.</summary>
    public unsafe Tensor view(params long[] shape) => WithLongs(&Interop.SaolTorch_Tensor_View, shape);

    /// <summary>A view with another shape when possible, else a copy.</summary>
    public unsafe Tensor reshape(params long[] shape) => WithLongs(&Interop.SaolTorch_Tensor_Reshape, shape);

    /// <summary>A view with the dimensions reordered.</summary>
    public unsafe Tensor permute(params long[] dims) => WithLongs(&Interop.SaolTorch_Tensor_Permute, dims);

    /// <summary>A broadcast view with size-1 dimensions expanded (-1 keeps a size).</summary>
    public unsafe Tensor expand(params long[] sizes) => WithLongs(&Interop.SaolTorch_Tensor_Expand, sizes);

    /// <summary>A copy tiled <paramref name="repeats"/> times along each dimension.</summary>
    public unsafe Tensor repeat(params long[] repeats) => WithLongs(&Interop.SaolTorch_Tensor_Repeat, repeats);

    /// <summary>A copy reversed along <paramref name="dims"/>.</summary>
    public unsafe Tensor flip(params long[] dims) => WithLongs(&Interop.SaolTorch_Tensor_Flip, dims);

    /// <summary>A view with <paramref name="other"/>'s shape.</summary>
    public Tensor view_as(Tensor other) => view(N(other).shape);

    /// <summary>A view of <paramref name="length"/> elements from <paramref name="start"/> along <paramref name="dim"/>.</summary>
    public Tensor narrow(long dim, long start, long length) => Result(Interop.SaolTorch_Tensor_Narrow(Handle, dim, start, length, out var r), r);

    /// <summary>A view of [start, end) with a step along <paramref name="dim"/> (Python's <c>x[..., start:end:step]</c>).</summary>
    public Tensor slice(long dim, long start, long end, long step = 1) => Result(Interop.SaolTorch_Tensor_Slice(Handle, dim, start, end, step, out var r), r);

    /// <summary>A view at <paramref name="index"/> of <paramref name="dim"/>, which is removed.</summary>
    public Tensor select(long dim, long index) => Result(Interop.SaolTorch_Tensor_Select(Handle, dim, index, out var r), r);

    /// <summary>A view with two dimensions swapped.</summary>
    public Tensor transpose(long dim0, long dim1) => Result(Interop.SaolTorch_Tensor_Transpose(Handle, dim0, dim1, out var r), r);

    /// <summary>The transpose of a 0-, 1- or 2-d tensor.</summary>
    public Tensor t() => Result(Interop.SaolTorch_Tensor_TransposeT(Handle, out var r), r);

    /// <summary>Flattens dimensions <paramref name="start_dim"/>..<paramref name="end_dim"/> into one.</summary>
    public Tensor flatten(long start_dim = 0, long end_dim = -1) => Result(Interop.SaolTorch_Tensor_Flatten(Handle, start_dim, end_dim, out var r), r);

    /// <summary>A view with a size-1 dimension inserted at <paramref name="dim"/>.</summary>
    public Tensor unsqueeze(long dim) => Result(Interop.SaolTorch_Tensor_Unsqueeze(Handle, dim, out var r), r);

    /// <summary>A view without size-1 dimensions (or without <paramref name="dim"/> if it has size 1).</summary>
    public Tensor squeeze(long? dim = null) => Result(Interop.SaolTorch_Tensor_Squeeze(Handle, dim ?? 0, dim.HasValue ? 1 : 0, out var r), r);

    /// <summary>Views of pieces of <paramref name="split_size"/> along <paramref name="dim"/> (the last may be smaller).</summary>
    public unsafe Tensor[] split(long split_size, long dim = 0)
    {
        if (split_size <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(split_size), split_size, "split size must be positive");
        }
        var length = size((int)dim);
        var capacity = (int)Math.Max(1, (length + split_size - 1) / split_size);
        var handles = new IntPtr[capacity];
        int count;
        fixed (IntPtr* h = handles)
        {
            Interop.Check(Interop.SaolTorch_Tensor_Split(Handle, split_size, dim, h, capacity, out count));
        }
        var result = new Tensor[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = new Tensor(handles[i]);
        }
        return result;
    }

    /// <summary>Views of <paramref name="chunks"/> nearly equal pieces along <paramref name="dim"/>.</summary>
    public Tensor[] chunk(long chunks, long dim = 0)
    {
        if (chunks <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(chunks), chunks, "chunk count must be positive");
        }
        var length = size((int)dim);
        return split(Math.Max(1, (length + chunks - 1) / chunks), dim);
    }

    // ---- indexing --------------------------------------------------------------------------------

    /// <summary>Elements of <paramref name="index"/>'s shape taken along <paramref name="dim"/> (torch.gather).</summary>
    public Tensor gather(long dim, Tensor index) => Result(Interop.SaolTorch_Tensor_Gather(Handle, dim, H(index), out var r), r);

    /// <summary>A copy with <paramref name="src"/> written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor scatter(long dim, Tensor index, Tensor src) => Result(Interop.SaolTorch_Tensor_Scatter(Handle, dim, H(index), H(src), out var r), r);

    /// <summary>The slices at <paramref name="index"/> (int64, 1-d) along <paramref name="dim"/>.</summary>
    public Tensor index_select(long dim, Tensor index) => Result(Interop.SaolTorch_Tensor_IndexSelect(Handle, dim, H(index), out var r), r);

    /// <summary>Adds alpha * <paramref name="source"/> into the slices at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor index_add_(long dim, Tensor index, Tensor source, double alpha = 1)
    {
        Interop.Check(Interop.SaolTorch_Tensor_IndexAdd_(Handle, dim, H(index), H(source), alpha));
        return this;
    }

    /// <summary>The slice at <paramref name="index"/> of the first dimension (Python's <c>x[i]</c>).</summary>
    public Tensor this[long index] => select(0, index);

    /// <summary>The element or slice at the given leading indices (Python's <c>x[i, j]</c>).</summary>
    public Tensor this[long i0, long i1] => Chain(select(0, i0), t => t.select(0, i1));

    /// <summary>Advanced indexing on the first dimension with a bool mask or int64 indices (Python's <c>x[idx]</c>).</summary>
    public Tensor this[Tensor index] => Result(Interop.SaolTorch_Tensor_Index(Handle, H(index), out var r), r);

    private static Tensor Chain(Tensor first, Func<Tensor, Tensor> next)
    {
        using (first)
        {
            return next(first);
        }
    }
}
