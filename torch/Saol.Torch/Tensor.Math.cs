using Saol.Torch.Internal;

namespace Saol.Torch;

/// <summary>Elementwise arithmetic, comparisons, reductions and matrix products.</summary>
public partial class Tensor
{
    // ---- unary -------------------------------------------------------------------------------

    /// <summary>-x.</summary>
    public Tensor neg() => Result(Interop.SaolTorch_Tensor_Neg(Handle, out var r), r);
    /// <summary>|x|.</summary>
    public Tensor abs() => Result(Interop.SaolTorch_Tensor_Abs(Handle, out var r), r);
    /// <summary>e^x.</summary>
    public Tensor exp() => Result(Interop.SaolTorch_Tensor_Exp(Handle, out var r), r);
    /// <summary>Natural logarithm.</summary>
    public Tensor log() => Result(Interop.SaolTorch_Tensor_Log(Handle, out var r), r);
    /// <summary>Square root.</summary>
    public Tensor sqrt() => Result(Interop.SaolTorch_Tensor_Sqrt(Handle, out var r), r);
    /// <summary>1 / sqrt(x).</summary>
    public Tensor rsqrt() => Result(Interop.SaolTorch_Tensor_Rsqrt(Handle, out var r), r);
    /// <summary>x².</summary>
    public Tensor square() => Result(Interop.SaolTorch_Tensor_Square(Handle, out var r), r);
    /// <summary>1 / x.</summary>
    public Tensor reciprocal() => Result(Interop.SaolTorch_Tensor_Reciprocal(Handle, out var r), r);
    /// <summary>Logistic sigmoid.</summary>
    public Tensor sigmoid() => Result(Interop.SaolTorch_Tensor_Sigmoid(Handle, out var r), r);
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor tanh() => Result(Interop.SaolTorch_Tensor_Tanh(Handle, out var r), r);
    /// <summary>Sine.</summary>
    public Tensor sin() => Result(Interop.SaolTorch_Tensor_Sin(Handle, out var r), r);
    /// <summary>Cosine.</summary>
    public Tensor cos() => Result(Interop.SaolTorch_Tensor_Cos(Handle, out var r), r);
    /// <summary>max(x, 0).</summary>
    public Tensor relu() => Result(Interop.SaolTorch_Tensor_Relu(Handle, out var r), r);
    /// <summary>Sign (-1, 0, 1).</summary>
    public Tensor sign() => Result(Interop.SaolTorch_Tensor_Sign(Handle, out var r), r);
    /// <summary>Rounds down.</summary>
    public Tensor floor() => Result(Interop.SaolTorch_Tensor_Floor(Handle, out var r), r);
    /// <summary>Rounds up.</summary>
    public Tensor ceil() => Result(Interop.SaolTorch_Tensor_Ceil(Handle, out var r), r);
    /// <summary>Rounds half to even.</summary>
    public Tensor round() => Result(Interop.SaolTorch_Tensor_Round(Handle, out var r), r);
    /// <summary>Logical not (bool result).</summary>
    public Tensor logical_not() => Result(Interop.SaolTorch_Tensor_LogicalNot(Handle, out var r), r);
    /// <summary>True where NaN.</summary>
    public Tensor isnan() => Result(Interop.SaolTorch_Tensor_IsNan(Handle, out var r), r);
    /// <summary>True where finite.</summary>
    public Tensor isfinite() => Result(Interop.SaolTorch_Tensor_IsFinite(Handle, out var r), r);

    /// <summary>Clamps into [min, max] (either bound may be omitted).</summary>
    public Tensor clamp(double? min = null, double? max = null) =>
        Result(Interop.SaolTorch_Tensor_Clamp(Handle, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0, out var r), r);

    /// <summary>Clamps in place.</summary>
    public Tensor clamp_(double? min = null, double? max = null)
    {
        Interop.Check(Interop.SaolTorch_Tensor_Clamp_(Handle, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0));
        return this;
    }

    /// <summary>Clamps from below.</summary>
    public Tensor clamp_min(double min) => clamp(min, null);

    /// <summary>Clamps from above.</summary>
    public Tensor clamp_max(double max) => clamp(null, max);

    // ---- binary with a tensor -----------------------------------------------------------------

    /// <summary>this + alpha * other (broadcasting).</summary>
    public Tensor add(Tensor other, double alpha = 1) => Result(Interop.SaolTorch_Tensor_Add(Handle, H(other), alpha, out var r), r);
    /// <summary>this - alpha * other.</summary>
    public Tensor sub(Tensor other, double alpha = 1) => Result(Interop.SaolTorch_Tensor_Sub(Handle, H(other), alpha, out var r), r);
    /// <summary>Elementwise product.</summary>
    public Tensor mul(Tensor other) => Result(Interop.SaolTorch_Tensor_Mul(Handle, H(other), out var r), r);
    /// <summary>Elementwise true division.</summary>
    public Tensor div(Tensor other) => Result(Interop.SaolTorch_Tensor_Div(Handle, H(other), out var r), r);
    /// <summary>Elementwise power.</summary>
    public Tensor pow(Tensor exponent) => Result(Interop.SaolTorch_Tensor_Pow(Handle, H(exponent), out var r), r);
    /// <summary>Elementwise maximum.</summary>
    public Tensor maximum(Tensor other) => Result(Interop.SaolTorch_Tensor_Maximum(Handle, H(other), out var r), r);
    /// <summary>Elementwise minimum.</summary>
    public Tensor minimum(Tensor other) => Result(Interop.SaolTorch_Tensor_Minimum(Handle, H(other), out var r), r);
    /// <summary>this == other (bool).</summary>
    public Tensor eq(Tensor other) => Result(Interop.SaolTorch_Tensor_Eq(Handle, H(other), out var r), r);
    /// <summary>this != other (bool).</summary>
    public Tensor ne(Tensor other) => Result(Interop.SaolTorch_Tensor_Ne(Handle, H(other), out var r), r);
    /// <summary>this &lt; other (bool).</summary>
    public Tensor lt(Tensor other) => Result(Interop.SaolTorch_Tensor_Lt(Handle, H(other), out var r), r);
    /// <summary>this &lt;= other (bool).</summary>
    public Tensor le(Tensor other) => Result(Interop.SaolTorch_Tensor_Le(Handle, H(other), out var r), r);
    /// <summary>this &gt; other (bool).</summary>
    public Tensor gt(Tensor other) => Result(Interop.SaolTorch_Tensor_Gt(Handle, H(other), out var r), r);
    /// <summary>this &gt;= other (bool).</summary>
    public Tensor ge(Tensor other) => Result(Interop.SaolTorch_Tensor_Ge(Handle, H(other), out var r), r);
    /// <summary>Logical and (bool).</summary>
    public Tensor logical_and(Tensor other) => Result(Interop.SaolTorch_Tensor_LogicalAnd(Handle, H(other), out var r), r);
    /// <summary>Logical or (bool).</summary>
    public Tensor logical_or(Tensor other) => Result(Interop.SaolTorch_Tensor_LogicalOr(Handle, H(other), out var r), r);
    /// <summary>Matrix product with NumPy broadcasting rules (torch.matmul).</summary>
    public Tensor matmul(Tensor other) => Result(Interop.SaolTorch_Tensor_Matmul(Handle, H(other), out var r), r);
    /// <summary>2-d matrix product.</summary>
    public Tensor mm(Tensor other) => Result(Interop.SaolTorch_Tensor_Mm(Handle, H(other), out var r), r);
    /// <summary>Batched 3-d matrix product.</summary>
    public Tensor bmm(Tensor other) => Result(Interop.SaolTorch_Tensor_Bmm(Handle, H(other), out var r), r);
    /// <summary>The elements where <paramref name="mask"/> is true, as a 1-d tensor.</summary>
    public Tensor masked_select(Tensor mask) => Result(Interop.SaolTorch_Tensor_MaskedSelect(Handle, H(mask), out var r), r);
    /// <summary>A copy with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor masked_fill(Tensor mask, double value) => Result(Interop.SaolTorch_Tensor_MaskedFill(Handle, H(mask), value, out var r), r);

    // ---- binary with a scalar (a long keeps integer tensors integral, as in PyTorch) ----------

    /// <summary>this + value.</summary>
    public Tensor add(double value) => Result(Interop.SaolTorch_Tensor_AddScalar(Handle, value, 0, out var r), r);
    /// <summary>this + value.</summary>
    public Tensor add(long value) => Result(Interop.SaolTorch_Tensor_AddScalar(Handle, value, 1, out var r), r);
    /// <summary>this - value.</summary>
    public Tensor sub(double value) => add(-value);
    /// <summary>this - value.</summary>
    public Tensor sub(long value) => add(-value);
    /// <summary>this * value.</summary>
    public Tensor mul(double value) => Result(Interop.SaolTorch_Tensor_MulScalar(Handle, value, 0, out var r), r);
    /// <summary>this * value.</summary>
    public Tensor mul(long value) => Result(Interop.SaolTorch_Tensor_MulScalar(Handle, value, 1, out var r), r);
    /// <summary>this / value (true division).</summary>
    public Tensor div(double value) => Result(Interop.SaolTorch_Tensor_DivScalar(Handle, value, 0, out var r), r);
    /// <summary>this ^ exponent.</summary>
    public Tensor pow(double exponent) => Result(Interop.SaolTorch_Tensor_PowScalar(Handle, exponent, 0, out var r), r);
    /// <summary>this ^ exponent.</summary>
    public Tensor pow(long exponent) => Result(Interop.SaolTorch_Tensor_PowScalar(Handle, exponent, 1, out var r), r);
    /// <summary>value - this.</summary>
    public Tensor rsub(double value) => Result(Interop.SaolTorch_Tensor_RsubScalar(Handle, value, 0, out var r), r);
    /// <summary>value - this.</summary>
    public Tensor rsub(long value) => Result(Interop.SaolTorch_Tensor_RsubScalar(Handle, value, 1, out var r), r);
    /// <summary>this == value (bool).</summary>
    public Tensor eq(double value) => Result(Interop.SaolTorch_Tensor_EqScalar(Handle, value, 0, out var r), r);
    /// <summary>this != value (bool).</summary>
    public Tensor ne(double value) => Result(Interop.SaolTorch_Tensor_NeScalar(Handle, value, 0, out var r), r);
    /// <summary>this &lt; value (bool).</summary>
    public Tensor lt(double value) => Result(Interop.SaolTorch_Tensor_LtScalar(Handle, value, 0, out var r), r);
    /// <summary>this &lt;= value (bool).</summary>
    public Tensor le(double value) => Result(Interop.SaolTorch_Tensor_LeScalar(Handle, value, 0, out var r), r);
    /// <summary>this &gt; value (bool).</summary>
    public Tensor gt(double value) => Result(Interop.SaolTorch_Tensor_GtScalar(Handle, value, 0, out var r), r);
    /// <summary>this &gt;= value (bool).</summary>
    public Tensor ge(double value) => Result(Interop.SaolTorch_Tensor_GeScalar(Handle, value, 0, out var r), r);

    // ---- in place ------------------------------------------------------------------------------

    /// <summary>this += alpha * other.</summary>
    public Tensor add_(Tensor other, double alpha = 1) { Interop.Check(Interop.SaolTorch_Tensor_Add_(Handle, H(other), alpha)); return this; }
    /// <summary>this -= alpha * other.</summary>
    public Tensor sub_(Tensor other, double alpha = 1) { Interop.Check(Interop.SaolTorch_Tensor_Sub_(Handle, H(other), alpha)); return this; }
    /// <summary>this *= other.</summary>
    public Tensor mul_(Tensor other) { Interop.Check(Interop.SaolTorch_Tensor_Mul_(Handle, H(other))); return this; }
    /// <summary>this /= other.</summary>
    public Tensor div_(Tensor other) { Interop.Check(Interop.SaolTorch_Tensor_Div_(Handle, H(other))); return this; }
    /// <summary>this += value.</summary>
    public Tensor add_(double value) { Interop.Check(Interop.SaolTorch_Tensor_AddScalar_(Handle, value, 0)); return this; }
    /// <summary>this += value.</summary>
    public Tensor add_(long value) { Interop.Check(Interop.SaolTorch_Tensor_AddScalar_(Handle, value, 1)); return this; }
    /// <summary>this -= value.</summary>
    public Tensor sub_(double value) => add_(-value);
    /// <summary>this *= value.</summary>
    public Tensor mul_(double value) { Interop.Check(Interop.SaolTorch_Tensor_MulScalar_(Handle, value, 0)); return this; }
    /// <summary>this *= value.</summary>
    public Tensor mul_(long value) { Interop.Check(Interop.SaolTorch_Tensor_MulScalar_(Handle, value, 1)); return this; }
    /// <summary>this /= value.</summary>
    public Tensor div_(double value) { Interop.Check(Interop.SaolTorch_Tensor_DivScalar_(Handle, value, 0)); return this; }
    /// <summary>this += value * t1 * t2.</summary>
    public Tensor addcmul_(Tensor tensor1, Tensor tensor2, double value = 1) { Interop.Check(Interop.SaolTorch_Tensor_Addcmul_(Handle, H(tensor1), H(tensor2), value)); return this; }
    /// <summary>this += value * t1 / t2.</summary>
    public Tensor addcdiv_(Tensor tensor1, Tensor tensor2, double value = 1) { Interop.Check(Interop.SaolTorch_Tensor_Addcdiv_(Handle, H(tensor1), H(tensor2), value)); return this; }
    /// <summary>this += weight * (end - this).</summary>
    public Tensor lerp_(Tensor end, double weight) { Interop.Check(Interop.SaolTorch_Tensor_Lerp_(Handle, H(end), weight)); return this; }
    /// <summary>Sets <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public Tensor masked_fill_(Tensor mask, double value) { Interop.Check(Interop.SaolTorch_Tensor_MaskedFill_(Handle, H(mask), value)); return this; }
    /// <summary>Sets every element to zero.</summary>
    public Tensor zero_() { Interop.Check(Interop.SaolTorch_Tensor_Zero_(Handle)); return this; }
    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor fill_(double value) { Interop.Check(Interop.SaolTorch_Tensor_Fill_(Handle, value, 0)); return this; }
    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor fill_(long value) { Interop.Check(Interop.SaolTorch_Tensor_Fill_(Handle, value, 1)); return this; }
    /// <summary>max(x, 0) in place.</summary>
    public Tensor relu_() { Interop.Check(Interop.SaolTorch_Tensor_Relu_(Handle)); return this; }
    /// <summary>Sigmoid in place.</summary>
    public Tensor sigmoid_() { Interop.Check(Interop.SaolTorch_Tensor_Sigmoid_(Handle)); return this; }
    /// <summary>-x in place.</summary>
    public Tensor neg_() { Interop.Check(Interop.SaolTorch_Tensor_Neg_(Handle)); return this; }
    /// <summary>sqrt(x) in place.</summary>
    public Tensor sqrt_() { Interop.Check(Interop.SaolTorch_Tensor_Sqrt_(Handle)); return this; }
    /// <summary>e^x in place.</summary>
    public Tensor exp_() { Interop.Check(Interop.SaolTorch_Tensor_Exp_(Handle)); return this; }
    /// <summary>Fills with samples of U(from, to) from the global generator.</summary>
    public Tensor uniform_(double from = 0, double to = 1) { Interop.Check(Interop.SaolTorch_Tensor_Uniform_(Handle, from, to)); return this; }
    /// <summary>Fills with samples of N(mean, std²) from the global generator.</summary>
    public Tensor normal_(double mean = 0, double std = 1) { Interop.Check(Interop.SaolTorch_Tensor_Normal_(Handle, mean, std)); return this; }
    /// <summary>Fills with Bernoulli(p) samples.</summary>
    public Tensor bernoulli_(double p = 0.5) { Interop.Check(Interop.SaolTorch_Tensor_Bernoulli_(Handle, p)); return this; }

    // ---- reductions ----------------------------------------------------------------------------

    private unsafe Tensor WithDims(delegate*<TensorHandle, long*, int, int, out IntPtr, int> op, long[] dims, bool keepdim)
    {
        ArgumentNullException.ThrowIfNull(dims);
        fixed (long* d = dims)
        {
            return Result(op(Handle, d, dims.Length, keepdim ? 1 : 0, out var r), r);
        }
    }

    /// <summary>Sum of all elements.</summary>
    public Tensor sum() => Result(Interop.SaolTorch_Tensor_Sum(Handle, out var r), r);
    /// <summary>Mean of all elements.</summary>
    public Tensor mean() => Result(Interop.SaolTorch_Tensor_Mean(Handle, out var r), r);
    /// <summary>Maximum of all elements.</summary>
    public Tensor max() => Result(Interop.SaolTorch_Tensor_Max(Handle, out var r), r);
    /// <summary>Minimum of all elements.</summary>
    public Tensor min() => Result(Interop.SaolTorch_Tensor_Min(Handle, out var r), r);
    /// <summary>True when every element is non-zero.</summary>
    public Tensor all() => Result(Interop.SaolTorch_Tensor_All(Handle, out var r), r);
    /// <summary>True when any element is non-zero.</summary>
    public Tensor any() => Result(Interop.SaolTorch_Tensor_Any(Handle, out var r), r);
    /// <summary>Indices of the non-zero elements, one row each.</summary>
    public Tensor nonzero() => Result(Interop.SaolTorch_Tensor_Nonzero(Handle, out var r), r);

    /// <summary>Sum over <paramref name="dim"/>.</summary>
    public unsafe Tensor sum(long[] dim, bool keepdim = false, ScalarType? type = null)
    {
        ArgumentNullException.ThrowIfNull(dim);
        fixed (long* d = dim)
        {
            return Result(Interop.SaolTorch_Tensor_SumDim(Handle, d, dim.Length, keepdim ? 1 : 0, type is null ? -1 : (int)type.Value, out var r), r);
        }
    }

    /// <summary>Sum over one dimension.</summary>
    public Tensor sum(long dim, bool keepdim = false, ScalarType? type = null) => sum([dim], keepdim, type);

    /// <summary>Mean over <paramref name="dim"/>.</summary>
    public unsafe Tensor mean(long[] dim, bool keepdim = false) => WithDims(&Interop.SaolTorch_Tensor_MeanDim, dim, keepdim);

    /// <summary>Mean over one dimension.</summary>
    public Tensor mean(long dim, bool keepdim = false) => mean([dim], keepdim);

    /// <summary>Maximum over <paramref name="dim"/> (values only).</summary>
    public unsafe Tensor amax(long[] dim, bool keepdim = false) => WithDims(&Interop.SaolTorch_Tensor_Amax, dim, keepdim);

    /// <summary>Minimum over <paramref name="dim"/> (values only).</summary>
    public unsafe Tensor amin(long[] dim, bool keepdim = false) => WithDims(&Interop.SaolTorch_Tensor_Amin, dim, keepdim);

    /// <summary>Variance over <paramref name="dim"/> (all elements when null), with Bessel's correction by default.</summary>
    public unsafe Tensor var(long[]? dim = null, bool unbiased = true, bool keepdim = false)
    {
        fixed (long* d = dim)
        {
            return Result(Interop.SaolTorch_Tensor_Var(Handle, d, dim?.Length ?? -1, unbiased ? 1 : 0, keepdim ? 1 : 0, out var r), r);
        }
    }

    /// <summary>Standard deviation over <paramref name="dim"/> (all elements when null).</summary>
    public Tensor std(long[]? dim = null, bool unbiased = true, bool keepdim = false)
    {
        using var v = var(dim, unbiased, keepdim);
        return v.sqrt();
    }

    /// <summary>The p-norm over <paramref name="dim"/> (all elements when null).</summary>
    public unsafe Tensor norm(double p = 2, long[]? dim = null, bool keepdim = false)
    {
        fixed (long* d = dim)
        {
            return Result(Interop.SaolTorch_Tensor_Norm(Handle, p, d, dim?.Length ?? -1, keepdim ? 1 : 0, out var r), r);
        }
    }

    /// <summary>log(sum(exp(x))) over <paramref name="dim"/>, computed stably.</summary>
    public unsafe Tensor logsumexp(long[] dim, bool keepdim = false) => WithDims(&Interop.SaolTorch_Tensor_Logsumexp, dim, keepdim);

    /// <summary>log(sum(exp(x))) over one dimension.</summary>
    public Tensor logsumexp(long dim, bool keepdim = false) => logsumexp([dim], keepdim);

    /// <summary>Cumulative sum along <paramref name="dim"/>.</summary>
    public Tensor cumsum(long dim) => Result(Interop.SaolTorch_Tensor_Cumsum(Handle, dim, out var r), r);

    /// <summary>Maximum along <paramref name="dim"/> with the indices where it is reached.</summary>
    public (Tensor values, Tensor indexes) max(long dim, bool keepdim = false) =>
        Result2(Interop.SaolTorch_Tensor_MaxDim(Handle, dim, keepdim ? 1 : 0, out var v, out var i), v, i);

    /// <summary>Minimum along <paramref name="dim"/> with the indices where it is reached.</summary>
    public (Tensor values, Tensor indexes) min(long dim, bool keepdim = false) =>
        Result2(Interop.SaolTorch_Tensor_MinDim(Handle, dim, keepdim ? 1 : 0, out var v, out var i), v, i);

    /// <summary>Index of the maximum over the flattened tensor.</summary>
    public Tensor argmax() => Result(Interop.SaolTorch_Tensor_Argmax(Handle, 0, 0, 0, out var r), r);

    /// <summary>Indices of the maximum along <paramref name="dim"/>.</summary>
    public Tensor argmax(long dim, bool keepdim = false) => Result(Interop.SaolTorch_Tensor_Argmax(Handle, dim, 1, keepdim ? 1 : 0, out var r), r);

    /// <summary>Index of the minimum over the flattened tensor.</summary>
    public Tensor argmin() => Result(Interop.SaolTorch_Tensor_Argmin(Handle, 0, 0, 0, out var r), r);

    /// <summary>Indices of the minimum along <paramref name="dim"/>.</summary>
    public Tensor argmin(long dim, bool keepdim = false) => Result(Interop.SaolTorch_Tensor_Argmin(Handle, dim, 1, keepdim ? 1 : 0, out var r), r);

    /// <summary>The <paramref name="k"/> largest (or smallest) elements along <paramref name="dim"/> and their indices.</summary>
    public (Tensor values, Tensor indexes) topk(long k, long dim = -1, bool largest = true, bool sorted = true) =>
        Result2(Interop.SaolTorch_Tensor_Topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var v, out var i), v, i);

    /// <summary>Sorts along <paramref name="dim"/>, with the permutation.</summary>
    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false) =>
        Result2(Interop.SaolTorch_Tensor_Sort(Handle, dim, descending ? 1 : 0, out var v, out var i), v, i);

    // ---- operators -------------------------------------------------------------------------------

    /// <summary>Elementwise sum.</summary>
    public static Tensor operator +(Tensor left, Tensor right) => N(left).add(right);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor left, double right) => N(left).add(right);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double left, Tensor right) => N(right).add(left);
    /// <summary>Adds an integer scalar.</summary>
    public static Tensor operator +(Tensor left, long right) => N(left).add(right);
    /// <summary>Adds an integer scalar.</summary>
    public static Tensor operator +(long left, Tensor right) => N(right).add(left);
    /// <summary>Elementwise difference.</summary>
    public static Tensor operator -(Tensor left, Tensor right) => N(left).sub(right);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor left, double right) => N(left).sub(right);
    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(double left, Tensor right) => N(right).rsub(left);
    /// <summary>Subtracts an integer scalar.</summary>
    public static Tensor operator -(Tensor left, long right) => N(left).sub(right);
    /// <summary>Integer scalar minus tensor.</summary>
    public static Tensor operator -(long left, Tensor right) => N(right).rsub(left);
    /// <summary>Elementwise product.</summary>
    public static Tensor operator *(Tensor left, Tensor right) => N(left).mul(right);
    /// <summary>Scales.</summary>
    public static Tensor operator *(Tensor left, double right) => N(left).mul(right);
    /// <summary>Scales.</summary>
    public static Tensor operator *(double left, Tensor right) => N(right).mul(left);
    /// <summary>Scales by an integer.</summary>
    public static Tensor operator *(Tensor left, long right) => N(left).mul(right);
    /// <summary>Scales by an integer.</summary>
    public static Tensor operator *(long left, Tensor right) => N(right).mul(left);
    /// <summary>Elementwise true division.</summary>
    public static Tensor operator /(Tensor left, Tensor right) => N(left).div(right);
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor left, double right) => N(left).div(right);
    /// <summary>Scalar divided by tensor.</summary>
    public static Tensor operator /(double left, Tensor right)
    {
        using var reciprocal = N(right).reciprocal();
        return reciprocal.mul(left);
    }
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor tensor) => N(tensor).neg();

    private static Tensor N(Tensor tensor) => tensor ?? throw new ArgumentNullException(nameof(tensor));

    private static TensorHandle H(Tensor tensor) => (tensor ?? throw new ArgumentNullException(nameof(tensor))).Handle;

    /// <summary>The handle of an optional tensor argument (null for none).</summary>
    internal static TensorHandle HOpt(Tensor? tensor) => tensor?.Handle ?? TensorHandle.Null;
}
