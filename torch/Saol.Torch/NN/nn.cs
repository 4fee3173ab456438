using Saol.Torch.Modules;

namespace Saol.Torch;

public static partial class torch
{
    /// <summary>Layers and modules, created by TorchSharp-style factories (<c>nn.Conv2d(3, 64, 7, stride: 2)</c>).</summary>
    public static partial class nn
    {
        private static long[] Square(long value) => [value, value];

        /// <summary>A 2-d convolution with square kernel, stride, padding and dilation.</summary>
        public static Conv2d Conv2d(long in_channels, long out_channels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true, ScalarType? dtype = null, Device? device = null) =>
            new(in_channels, out_channels, Square(kernelSize), Square(stride), Square(padding), Square(dilation), groups, bias, dtype, device);

        /// <summary>A 2-d convolution with (height, width) kernel, stride, padding and dilation.</summary>
        public static Conv2d Conv2d(long in_channels, long out_channels, (long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null, (long, long)? dilation = null, long groups = 1, bool bias = true, ScalarType? dtype = null, Device? device = null) =>
            new(in_channels, out_channels, [kernelSize.Item1, kernelSize.Item2], Pair(stride, 1), Pair(padding, 0), Pair(dilation, 1), groups, bias, dtype, device);

        private static long[] Pair((long, long)? value, long fallback) => value is { } v ? [v.Item1, v.Item2] : [fallback, fallback];

        /// <summary>A fully connected layer.</summary>
        public static Linear Linear(long inputSize, long outputSize, bool hasBias = true, ScalarType? dtype = null, Device? device = null) =>
            new(inputSize, outputSize, hasBias, dtype, device);

        /// <summary>2-d batch normalisation over <paramref name="features"/> channels.</summary>
        public static BatchNorm2d BatchNorm2d(long features, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool track_running_stats = true, ScalarType? dtype = null, Device? device = null) =>
            new(features, eps, momentum, affine, track_running_stats, dtype, device);

        /// <summary>max(x, 0).</summary>
        public static ReLU ReLU(bool inplace = false) => new(inplace);

        /// <summary>Logistic sigmoid.</summary>
        public static Sigmoid Sigmoid() => new();

        /// <summary>Passes its input through.</summary>
        public static Identity Identity() => new();

        /// <summary>Flattens dimensions start_dim..end_dim.</summary>
        public static Flatten Flatten(long start_dim = 1, long end_dim = -1) => new(start_dim, end_dim);

        /// <summary>Dropout with probability <paramref name="p"/>.</summary>
        public static Dropout Dropout(double p = 0.5, bool inplace = false) => new(p, inplace);

        /// <summary>2-d max pooling with a square window; the stride defaults to the kernel size.</summary>
        public static MaxPool2d MaxPool2d(long kernelSize, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
            new(Square(kernelSize), stride is null ? null : Square(stride.Value), Square(padding), Square(dilation), ceil_mode);

        /// <summary>2-d average pooling with a square window; the stride defaults to the kernel size.</summary>
        public static AvgPool2d AvgPool2d(long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false, bool count_include_pad = true) =>
            new(Square(kernel_size), stride is null ? null : Square(stride.Value), Square(padding), ceil_mode, count_include_pad);

        /// <summary>Average pooling to a square output size.</summary>
        public static AdaptiveAvgPool2d AdaptiveAvgPool2d(long outputSize) => new(Square(outputSize));

        /// <summary>Average pooling to an (height, width) output size.</summary>
        public static AdaptiveAvgPool2d AdaptiveAvgPool2d((long, long) outputSize) => new([outputSize.Item1, outputSize.Item2]);

        /// <summary>An empty sequence, filled with <see cref="Modules.Sequential.append(Module{Tensor, Tensor})"/>.</summary>
        public static Sequential Sequential() => new([]);

        /// <summary>Children applied in order, named "0", "1", ...</summary>
        public static Sequential Sequential(params Module<Tensor, Tensor>[] modules)
        {
            ArgumentNullException.ThrowIfNull(modules);
            return new(modules.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), m)));
        }

        /// <summary>Named children applied in order.</summary>
        public static Sequential Sequential(params (string name, Module<Tensor, Tensor> module)[] modules)
        {
            ArgumentNullException.ThrowIfNull(modules);
            return new(modules);
        }

        /// <summary>Clips the total gradient norm of <paramref name="parameters"/> to <paramref name="max_norm"/>; returns the norm before clipping.</summary>
        public static unsafe double clip_grad_norm_(IEnumerable<Tensor> parameters, double max_norm, double norm_type = 2.0)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            using var handles = new Internal.HandleArray(parameters.ToArray());
            fixed (IntPtr* h = handles.Handles)
            {
                Internal.Interop.Check(Internal.Interop.SaolTorch_Optim_ClipGradNorm(h, handles.Handles.Length, max_norm, norm_type, out var total));
                return total;
            }
        }
    }
}
