using Saol.Torch.Internal;

namespace Saol.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// torch.nn.functional: each op calls the ATen kernel PyTorch's Python functional calls, with
        /// the same defaults, so results match PyTorch.
        /// </summary>
        public static class functional
        {
            private static TensorHandle H(Tensor t) => (t ?? throw new ArgumentNullException(nameof(t))).Handle;

            private static TensorHandle O(Tensor? t) => Tensor.HOpt(t);

            private static long[] Pair(long[]? values, long fallback, string name)
            {
                if (values is null)
                {
                    return [fallback, fallback];
                }
                return values.Length switch
                {
                    1 => [values[0], values[0]],
                    2 => values,
                    _ => throw new ArgumentException($"{name} needs one or two values, got {values.Length}", name),
                };
            }

            /// <summary>2-d convolution over an (N, C, H, W) input.</summary>
            public static unsafe Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? strides = null, long[]? padding = null, long[]? dilation = null, long groups = 1)
            {
                var s = Pair(strides, 1, nameof(strides));
                var p = Pair(padding, 0, nameof(padding));
                var d = Pair(dilation, 1, nameof(dilation));
                fixed (long* ps = s, pp = p, pd = d)
                {
                    return Tensor.Result(Interop.SaolTorch_NN_Conv2d(H(input), H(weight), O(bias), ps, pp, pd, groups, out var r), r);
                }
            }

            /// <summary>2-d convolution with the same stride, padding and dilation in both dimensions.</summary>
            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias, long stride, long padding, long dilation = 1, long groups = 1) =>
                conv2d(input, weight, bias, [stride], [padding], [dilation], groups);

            /// <summary>
            /// Batch normalisation. In training, normalises with batch statistics and updates the
            /// running statistics in place (when given); otherwise normalises with the running statistics.
            /// </summary>
            public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5) =>
                Tensor.Result(Interop.SaolTorch_NN_BatchNorm(H(input), O(weight), O(bias), O(running_mean), O(running_var), training ? 1 : 0, momentum, eps, out var r), r);

            /// <summary>max(x, 0), optionally in place.</summary>
            public static Tensor relu(Tensor input, bool inplace = false) => inplace ? input.relu_() : input.relu();

            /// <summary>Logistic sigmoid.</summary>
            public static Tensor sigmoid(Tensor input) => input.sigmoid();

            /// <summary>x * sigmoid(x).</summary>
            public static Tensor silu(Tensor input) => Tensor.Result(Interop.SaolTorch_NN_Silu(H(input), out var r), r);

            /// <summary>GELU (exact, erf form).</summary>
            public static Tensor gelu(Tensor input) => Tensor.Result(Interop.SaolTorch_NN_Gelu(H(input), out var r), r);

            /// <summary>max(x, 0) + slope * min(x, 0).</summary>
            public static Tensor leaky_relu(Tensor input, double negative_slope = 0.01) => Tensor.Result(Interop.SaolTorch_NN_LeakyRelu(H(input), negative_slope, out var r), r);

            /// <summary>Clamp into [min_val, max_val].</summary>
            public static Tensor hardtanh(Tensor input, double min_val = -1, double max_val = 1) => Tensor.Result(Interop.SaolTorch_NN_Hardtanh(H(input), min_val, max_val, out var r), r);

            /// <summary>min(max(x, 0), 6).</summary>
            public static Tensor relu6(Tensor input) => hardtanh(input, 0, 6);

            /// <summary>2-d max pooling; the stride defaults to the kernel size.</summary>
            public static unsafe Tensor max_pool2d(Tensor input, long[] kernel_size, long[]? stride = null, long[]? padding = null, long[]? dilation = null, bool ceil_mode = false)
            {
                var k = Pair(kernel_size ?? throw new ArgumentNullException(nameof(kernel_size)), 0, nameof(kernel_size));
                var s = stride is null || stride.Length == 0 ? k : Pair(stride, 0, nameof(stride));
                var p = Pair(padding, 0, nameof(padding));
                var d = Pair(dilation, 1, nameof(dilation));
                fixed (long* pk = k, ps = s, pp = p, pd = d)
                {
                    return Tensor.Result(Interop.SaolTorch_NN_MaxPool2d(H(input), pk, ps, pp, pd, ceil_mode ? 1 : 0, out var r), r);
                }
            }

            /// <summary>2-d max pooling with a square kernel.</summary>
            public static Tensor max_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
                max_pool2d(input, [kernel_size], stride is null ? null : [stride.Value], [padding], [dilation], ceil_mode);

            /// <summary>2-d average pooling; the stride defaults to the kernel size.</summary>
            public static unsafe Tensor avg_pool2d(Tensor input, long[] kernel_size, long[]? stride = null, long[]? padding = null, bool ceil_mode = false, bool count_include_pad = true, long? divisor_override = null)
            {
                var k = Pair(kernel_size ?? throw new ArgumentNullException(nameof(kernel_size)), 0, nameof(kernel_size));
                var s = stride is null || stride.Length == 0 ? k : Pair(stride, 0, nameof(stride));
                var p = Pair(padding, 0, nameof(padding));
                if (divisor_override is <= 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(divisor_override), divisor_override, "divisor must be positive");
                }
                fixed (long* pk = k, ps = s, pp = p)
                {
                    return Tensor.Result(Interop.SaolTorch_NN_AvgPool2d(H(input), pk, ps, pp, ceil_mode ? 1 : 0, count_include_pad ? 1 : 0, divisor_override ?? 0, out var r), r);
                }
            }

            /// <summary>2-d average pooling with a square kernel.</summary>
            public static Tensor avg_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false, bool count_include_pad = true) =>
                avg_pool2d(input, [kernel_size], stride is null ? null : [stride.Value], [padding], ceil_mode, count_include_pad);

            /// <summary>Average pooling to a fixed output size.</summary>
            public static unsafe Tensor adaptive_avg_pool2d(Tensor input, long[] output_size)
            {
                var o = Pair(output_size ?? throw new ArgumentNullException(nameof(output_size)), 0, nameof(output_size));
                fixed (long* po = o)
                {
                    return Tensor.Result(Interop.SaolTorch_NN_AdaptiveAvgPool2d(H(input), po, out var r), r);
                }
            }

            /// <summary>Average pooling to a square output size.</summary>
            public static Tensor adaptive_avg_pool2d(Tensor input, long output_size) => adaptive_avg_pool2d(input, [output_size]);

            /// <summary>Max pooling to a fixed output size.</summary>
            public static unsafe Tensor adaptive_max_pool2d(Tensor input, long[] output_size)
            {
                var o = Pair(output_size ?? throw new ArgumentNullException(nameof(output_size)), 0, nameof(output_size));
                fixed (long* po = o)
                {
                    return Tensor.Result(Interop.SaolTorch_NN_AdaptiveMaxPool2d(H(input), po, out var r), r);
                }
            }

            /// <summary>x Wᵀ + b.</summary>
            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null) =>
                Tensor.Result(Interop.SaolTorch_NN_Linear(H(input), H(weight), O(bias), out var r), r);

            /// <summary>Zeroes elements with probability <paramref name="p"/> and scales the rest by 1/(1-p) when training.</summary>
            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true, bool inplace = false)
            {
                if (p is < 0 or > 1)
                {
                    throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
                }
                if (inplace)
                {
                    Interop.Check(Interop.SaolTorch_NN_Dropout_(H(input), p, training ? 1 : 0));
                    return input;
                }
                return Tensor.Result(Interop.SaolTorch_NN_Dropout(H(input), p, training ? 1 : 0, out var r), r);
            }

            /// <summary>
            /// Resizes an (N, C, H, W) input to <paramref name="size"/> or by <paramref name="scale_factor"/>
            /// (exactly one), as F.interpolate with <c>recompute_scale_factor=None</c>.
            /// </summary>
            public static unsafe Tensor interpolate(Tensor input, long[]? size = null, double[]? scale_factor = null, InterpolationMode mode = InterpolationMode.Bilinear, bool? align_corners = null)
            {
                if (mode != InterpolationMode.Bilinear)
                {
                    throw new NotSupportedException($"interpolation mode {mode} is not supported");
                }
                if ((size is null) == (scale_factor is null))
                {
                    throw new ArgumentException("give exactly one of size or scale_factor");
                }
                var s = size is null ? null : Pair(size, 0, nameof(size));
                double[]? f = scale_factor is null ? null : scale_factor.Length switch
                {
                    1 => [scale_factor[0], scale_factor[0]],
                    2 => scale_factor,
                    _ => throw new ArgumentException("scale_factor needs one or two values", nameof(scale_factor)),
                };
                fixed (long* ps = s)
                fixed (double* pf = f)
                {
                    return Tensor.Result(Interop.SaolTorch_NN_UpsampleBilinear2d(H(input), ps, s?.Length ?? 0, pf, f?.Length ?? 0, align_corners == true ? 1 : 0, out var r), r);
                }
            }

            /// <summary>Softmax along <paramref name="dim"/> (computed in <paramref name="dtype"/> when given).</summary>
            public static Tensor softmax(Tensor input, long dim, ScalarType? dtype = null) =>
                Tensor.Result(Interop.SaolTorch_NN_Softmax(H(input), dim, dtype is null ? -1 : (int)dtype.Value, out var r), r);

            /// <summary>log(softmax(x)) along <paramref name="dim"/>, computed stably.</summary>
            public static Tensor log_softmax(Tensor input, long dim, ScalarType? dtype = null) =>
                Tensor.Result(Interop.SaolTorch_NN_LogSoftmax(H(input), dim, dtype is null ? -1 : (int)dtype.Value, out var r), r);

            private static long Plain(Reduction reduction, string op) => reduction == Reduction.BatchMean
                ? throw new ArgumentException($"{op} does not support Reduction.BatchMean", nameof(reduction))
                : (long)reduction;

            /// <summary>
            /// Cross entropy between logits and either class indices (int64, with
            /// <paramref name="ignore_index"/>) or class probabilities (same shape as the input).
            /// </summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean, double label_smoothing = 0.0) =>
                Tensor.Result(Interop.SaolTorch_NN_CrossEntropy(H(input), H(target), O(weight), Plain(reduction, nameof(cross_entropy)), ignore_index, label_smoothing, out var r), r);

            /// <summary>Negative log-likelihood of log-probabilities at int64 class indices.</summary>
            public static Tensor nll_loss(Tensor input, Tensor target, Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean) =>
                Tensor.Result(Interop.SaolTorch_NN_NllLoss(H(input), H(target), O(weight), Plain(reduction, nameof(nll_loss)), ignore_index, out var r), r);

            /// <summary>Binary cross entropy between probabilities and targets in [0, 1].</summary>
            public static Tensor binary_cross_entropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean) =>
                Tensor.Result(Interop.SaolTorch_NN_BinaryCrossEntropy(H(input), H(target), O(weight), Plain(reduction, nameof(binary_cross_entropy)), out var r), r);

            /// <summary>Binary cross entropy on logits (sigmoid folded in, numerically stable).</summary>
            public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? pos_weights = null) =>
                Tensor.Result(Interop.SaolTorch_NN_BinaryCrossEntropyWithLogits(H(input), H(target), O(weight), O(pos_weights), Plain(reduction, nameof(binary_cross_entropy_with_logits)), out var r), r);

            /// <summary>
            /// KL divergence with <paramref name="input"/> as log-probabilities: Σ target·(log target − input).
            /// <see cref="Reduction.BatchMean"/> divides the sum by the batch size, as PyTorch does.
            /// </summary>
            public static Tensor kl_div(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool log_target = false)
            {
                if (reduction != Reduction.BatchMean)
                {
                    return Tensor.Result(Interop.SaolTorch_NN_KlDiv(H(input), H(target), (long)reduction, log_target ? 1 : 0, out var r), r);
                }
                using var sum = Tensor.Result(Interop.SaolTorch_NN_KlDiv(H(input), H(target), (long)Reduction.Sum, log_target ? 1 : 0, out var s), s);
                return input.dim() == 0 ? sum.clone() : sum.div(input.size(0));
            }

            /// <summary>Mean squared error.</summary>
            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Tensor.Result(Interop.SaolTorch_NN_MseLoss(H(input), H(target), Plain(reduction, nameof(mse_loss)), out var r), r);

            /// <summary>Mean absolute error.</summary>
            public static Tensor l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Tensor.Result(Interop.SaolTorch_NN_L1Loss(H(input), H(target), Plain(reduction, nameof(l1_loss)), out var r), r);

            /// <summary>Constant padding; <paramref name="pad"/> lists (left, right) pairs from the last dimension backwards.</summary>
            public static unsafe Tensor pad(Tensor input, long[] pad, double value = 0)
            {
                ArgumentNullException.ThrowIfNull(pad);
                fixed (long* p = pad)
                {
                    return Tensor.Result(Interop.SaolTorch_NN_Pad(H(input), p, pad.Length, value, out var r), r);
                }
            }

            /// <summary>One-hot encoding of int64 class indices.</summary>
            public static Tensor one_hot(Tensor input, long num_classes = -1) => torch.one_hot(input, num_classes);
        }
    }
}

/// <summary>Resampling modes of <see cref="torch.nn.functional.interpolate"/>.</summary>
public enum InterpolationMode
{
    /// <summary>Bilinear interpolation over the last two dimensions.</summary>
    Bilinear = 1,
}
