namespace Saol.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>Parameter initialisation as <c>torch.nn.init</c>; every function works in place without recording gradients.</summary>
        public static class init
        {
            /// <summary>Which fan the Kaiming initialisers scale by.</summary>
            public enum FanMode
            {
                /// <summary>Preserves the variance of activations in the forward pass.</summary>
                FanIn,
                /// <summary>Preserves the variance of gradients in the backward pass.</summary>
                FanOut,
            }

            /// <summary>The non-linearity the gain is computed for.</summary>
            public enum NonlinearityType
            {
                /// <summary>Identity / linear / conv: gain 1.</summary>
                Linear,
                /// <summary>ReLU: gain √2.</summary>
                ReLU,
                /// <summary>Leaky ReLU with the given slope: gain √(2 / (1 + a²)).</summary>
                LeakyReLU,
                /// <summary>Sigmoid: gain 1.</summary>
                Sigmoid,
                /// <summary>Tanh: gain 5/3.</summary>
                Tanh,
            }

            /// <summary>The recommended gain for a non-linearity (torch.nn.init.calculate_gain).</summary>
            public static double calculate_gain(NonlinearityType nonlinearity, double param = 0.01) => nonlinearity switch
            {
                NonlinearityType.Linear or NonlinearityType.Sigmoid => 1.0,
                NonlinearityType.ReLU => Math.Sqrt(2.0),
                NonlinearityType.LeakyReLU => Math.Sqrt(2.0 / (1 + (param * param))),
                NonlinearityType.Tanh => 5.0 / 3,
                _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity)),
            };

            /// <summary>(fan_in, fan_out) of a weight: input and output features times the receptive field.</summary>
            public static (long fan_in, long fan_out) calculate_fan_in_and_fan_out(Tensor tensor)
            {
                ArgumentNullException.ThrowIfNull(tensor);
                var shape = tensor.shape;
                if (shape.Length < 2)
                {
                    throw new ArgumentException("fan in and fan out need a tensor with at least 2 dimensions", nameof(tensor));
                }
                long receptive = 1;
                for (var i = 2; i < shape.Length; i++)
                {
                    receptive *= shape[i];
                }
                return (shape[1] * receptive, shape[0] * receptive);
            }

            private static Tensor NoGrad(Tensor tensor, Action<Tensor> fill)
            {
                ArgumentNullException.ThrowIfNull(tensor);
                using (no_grad())
                {
                    fill(tensor);
                }
                return tensor;
            }

            /// <summary>Fills with U(a, b).</summary>
            public static Tensor uniform_(Tensor tensor, double a = 0, double b = 1) => NoGrad(tensor, t => t.uniform_(a, b));

            /// <summary>Fills with N(mean, std²).</summary>
            public static Tensor normal_(Tensor tensor, double mean = 0, double std = 1) => NoGrad(tensor, t => t.normal_(mean, std));

            /// <summary>Fills with a constant.</summary>
            public static Tensor constant_(Tensor tensor, double val) => NoGrad(tensor, t => t.fill_(val));

            /// <summary>Fills with zeros.</summary>
            public static Tensor zeros_(Tensor tensor) => NoGrad(tensor, t => t.zero_());

            /// <summary>Fills with ones.</summary>
            public static Tensor ones_(Tensor tensor) => NoGrad(tensor, t => t.fill_(1.0));

            private static double KaimingStd(Tensor tensor, double a, FanMode mode, NonlinearityType nonlinearity)
            {
                var (fanIn, fanOut) = calculate_fan_in_and_fan_out(tensor);
                var fan = mode == FanMode.FanIn ? fanIn : fanOut;
                return calculate_gain(nonlinearity, a) / Math.Sqrt(fan);
            }

            /// <summary>He initialisation from U(−b, b), b = gain·√(3/fan).</summary>
            public static Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, NonlinearityType nonlinearity = NonlinearityType.LeakyReLU)
            {
                var bound = Math.Sqrt(3.0) * KaimingStd(tensor, a, mode, nonlinearity);
                return uniform_(tensor, -bound, bound);
            }

            /// <summary>He initialisation from N(0, std²), std = gain/√fan.</summary>
            public static Tensor kaiming_normal_(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, NonlinearityType nonlinearity = NonlinearityType.LeakyReLU) =>
                normal_(tensor, 0, KaimingStd(tensor, a, mode, nonlinearity));

            /// <summary>Glorot initialisation from U(−b, b), b = gain·√(6/(fan_in+fan_out)).</summary>
            public static Tensor xavier_uniform_(Tensor tensor, double gain = 1.0)
            {
                var (fanIn, fanOut) = calculate_fan_in_and_fan_out(tensor);
                var bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
                return uniform_(tensor, -bound, bound);
            }

            /// <summary>Glorot initialisation from N(0, std²), std = gain·√(2/(fan_in+fan_out)).</summary>
            public static Tensor xavier_normal_(Tensor tensor, double gain = 1.0)
            {
                var (fanIn, fanOut) = calculate_fan_in_and_fan_out(tensor);
                return normal_(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
            }
        }
    }
}
