using System.Runtime.InteropServices;

namespace Saol.Torch.Internal;

/// <summary>P/Invokes into SaolTorchTensor.cpp (and the library-wide exports of SaolTorch.cpp).</summary>
internal static unsafe partial class Interop
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct TensorInfo
    {
        public long Numel;
        public IntPtr Data;
        public int Dim;
        public int Dtype;
        public int DeviceType;
        public int DeviceIndex;
        public int RequiresGrad;
        public int IsLeaf;
        public int IsContiguous;
        public int ElementSize;
    }

    [LibraryImport(LibraryName)] internal static partial void SaolTorch_SetLastError([MarshalAs(UnmanagedType.LPUTF8Str)] string message);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_ManualSeed(long seed);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_SetGradEnabled(int enabled, out int previous);

    [LibraryImport(LibraryName)] internal static partial void SaolTorch_Tensor_Free(IntPtr handle);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Info(TensorHandle a, out TensorInfo info);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Shape(TensorHandle a, long* sizes, long* strides, int capacity, out int dim);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_ItemDouble(TensorHandle a, out double value);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_ItemInt64(TensorHandle a, out long value);

    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Empty(long* shape, int dim, int dtype, int dt, int di, int rg, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Zeros(long* shape, int dim, int dtype, int dt, int di, int rg, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Ones(long* shape, int dim, int dtype, int dt, int di, int rg, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Full(long* shape, int dim, double value, int integral, int dtype, int dt, int di, int rg, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Rand(long* shape, int dim, int dtype, int dt, int di, int rg, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Randn(long* shape, int dim, int dtype, int dt, int di, int rg, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Randint(long low, long high, long* shape, int dim, int dtype, int dt, int di, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Randperm(long n, int dtype, int dt, int di, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Arange(double start, double end, double step, int dtype, int dt, int di, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_FromBlob(void* data, long* shape, int dim, int dtype, delegate* unmanaged<long, void> deleter, long context, out IntPtr result);

    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_To(TensorHandle a, int dtype, int dt, int di, int nonBlocking, int copy, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Copy_(TensorHandle a, TensorHandle src, int nonBlocking);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_SetData(TensorHandle a, TensorHandle src);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Equal(TensorHandle a, TensorHandle b, out int result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Allclose(TensorHandle a, TensorHandle b, double rtol, double atol, out int result);

    // out = op(a)
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Alias(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Clone(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Contiguous(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Detach(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Grad(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Neg(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Abs(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Exp(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Log(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Sqrt(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Rsqrt(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Square(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Reciprocal(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Sigmoid(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Tanh(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Sin(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Cos(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Relu(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Sign(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Floor(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Ceil(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Round(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_LogicalNot(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_IsNan(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_IsFinite(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Sum(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Mean(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Max(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Min(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_All(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Any(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Nonzero(TensorHandle a, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_TransposeT(TensorHandle a, out IntPtr result);

    // in place, single tensor
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Zero_(TensorHandle a);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Relu_(TensorHandle a);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Sigmoid_(TensorHandle a);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Neg_(TensorHandle a);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Sqrt_(TensorHandle a);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Exp_(TensorHandle a);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Detach_(TensorHandle a);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Fill_(TensorHandle a, double value, int integral);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Uniform_(TensorHandle a, double from, double to);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Normal_(TensorHandle a, double mean, double std);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Bernoulli_(TensorHandle a, double p);

    // out = op(a, b)
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Mul(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Div(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Pow(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Maximum(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Minimum(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Eq(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Ne(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Lt(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Le(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Gt(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Ge(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_LogicalAnd(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_LogicalOr(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Matmul(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Mm(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Bmm(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_MaskedSelect(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Add(TensorHandle a, TensorHandle b, double alpha, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Sub(TensorHandle a, TensorHandle b, double alpha, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Where(TensorHandle condition, TensorHandle a, TensorHandle b, out IntPtr result);

    // out = op(a, scalar)
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_AddScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_MulScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_DivScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_PowScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_RsubScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_EqScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_NeScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_LtScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_LeScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_GtScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_GeScalar(TensorHandle a, double value, int integral, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Clamp(TensorHandle a, double min, double max, int hasMin, int hasMax, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Clamp_(TensorHandle a, double min, double max, int hasMin, int hasMax);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_MaskedFill(TensorHandle a, TensorHandle mask, double value, out IntPtr result);

    // in place arithmetic
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Add_(TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Sub_(TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Mul_(TensorHandle a, TensorHandle b);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Div_(TensorHandle a, TensorHandle b);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_AddScalar_(TensorHandle a, double s, int integral);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_MulScalar_(TensorHandle a, double s, int integral);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_DivScalar_(TensorHandle a, double s, int integral);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Addcmul_(TensorHandle a, TensorHandle b, TensorHandle c, double value);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Addcdiv_(TensorHandle a, TensorHandle b, TensorHandle c, double value);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Lerp_(TensorHandle a, TensorHandle end, double weight);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_MaskedFill_(TensorHandle a, TensorHandle mask, double value);

    // reductions
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_SumDim(TensorHandle a, long* dims, int n, int keepdim, int dtype, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_MeanDim(TensorHandle a, long* dims, int n, int keepdim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Amax(TensorHandle a, long* dims, int n, int keepdim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Amin(TensorHandle a, long* dims, int n, int keepdim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Var(TensorHandle a, long* dims, int n, long correction, int keepdim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Norm(TensorHandle a, double p, long* dims, int n, int keepdim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Logsumexp(TensorHandle a, long* dims, int n, int keepdim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Cumsum(TensorHandle a, long dim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_MaxDim(TensorHandle a, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_MinDim(TensorHandle a, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Argmax(TensorHandle a, long dim, int hasDim, int keepdim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Argmin(TensorHandle a, long dim, int hasDim, int keepdim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Topk(TensorHandle a, long k, long dim, int largest, int sorted, out IntPtr values, out IntPtr indices);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Sort(TensorHandle a, long dim, int descending, out IntPtr values, out IntPtr indices);

    // shape and views
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_View(TensorHandle a, long* v, int n, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Reshape(TensorHandle a, long* v, int n, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Permute(TensorHandle a, long* v, int n, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Expand(TensorHandle a, long* v, int n, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Repeat(TensorHandle a, long* v, int n, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Flip(TensorHandle a, long* v, int n, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Narrow(TensorHandle a, long dim, long start, long length, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Slice(TensorHandle a, long dim, long start, long end, long step, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Select(TensorHandle a, long dim, long index, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Transpose(TensorHandle a, long dim0, long dim1, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Flatten(TensorHandle a, long start, long end, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Unsqueeze(TensorHandle a, long dim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Squeeze(TensorHandle a, long dim, int hasDim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Cat(IntPtr* handles, int n, long dim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Stack(IntPtr* handles, int n, long dim, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Split(TensorHandle a, long size, long dim, IntPtr* outs, int capacity, out int count);

    // indexing
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Gather(TensorHandle a, long dim, TensorHandle index, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Scatter(TensorHandle a, long dim, TensorHandle index, TensorHandle src, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_IndexSelect(TensorHandle a, long dim, TensorHandle index, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_IndexAdd_(TensorHandle a, long dim, TensorHandle index, TensorHandle src, double alpha);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Index(TensorHandle a, TensorHandle index, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_OneHot(TensorHandle a, long classes, out IntPtr result);

    // autograd
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_SetRequiresGrad(TensorHandle a, int value);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_SetGrad(TensorHandle a, TensorHandle grad);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_Backward(TensorHandle a, TensorHandle gradient, int retainGraph, int createGraph);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_RegisterHook(TensorHandle a, delegate* unmanaged<long, IntPtr, IntPtr*, int> callback, delegate* unmanaged<long, void> release, long context, out long id);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_RemoveHook(TensorHandle a, long id);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Tensor_RegisterPostAccumulateHook(TensorHandle a, delegate* unmanaged<long, IntPtr, IntPtr*, int> callback, delegate* unmanaged<long, void> release, long context, out IntPtr registration);
    [LibraryImport(LibraryName)] internal static partial void SaolTorch_PostHook_Free(IntPtr registration);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_GetRngState(out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_SetRngState(TensorHandle state);
}
