using Saol.Torch;
using Saol.Torch.Modules;
using static Saol.Torch.torch;


namespace Saol.Models.Internal;

/// <summary>
/// Layer construction with the initialisation torchvision and the CIFAR reference code use:
/// convolutions He-normal with fan-out (std √(2 / (k²·out))), BN γ = 1 and β = 0, linear layers
/// PyTorch's default U(±1/√fan_in). Also the shape arithmetic the MAC count needs.
/// </summary>
internal static class Layers
{
    public static Conv2d Conv(long input, long output, long kernel, long stride = 1, long padding = 0, long groups = 1, bool bias = false)
    {
        var conv = nn.Conv2d(input, output, kernel, stride: stride, padding: padding, groups: groups, bias: bias);
        using (no_grad())
        {
            conv.weight.normal_(0, Math.Sqrt(2.0 / (kernel * kernel * output / groups)));
            conv.bias?.zero_();
        }
        return conv;
    }

    /// <summary>
    /// A head convolution with PyTorch's default initialisation, U(±1/√fan_in) for weight and bias:
    /// the one-channel and K-channel outputs of the heads are not followed by BN, and He-normal with
    /// fan-out (std √2 for a 1×1 conv to one channel) would start the attention softmax and the
    /// mask sigmoid saturated.
    /// </summary>
    public static Conv2d HeadConv(long input, long output, long kernel, long padding = 0, long groups = 1, bool bias = true)
    {
        var conv = nn.Conv2d(input, output, kernel, stride: 1, padding: padding, groups: groups, bias: bias);
        var bound = 1.0 / Math.Sqrt(input / groups * kernel * kernel);
        using (no_grad())
        {
            conv.weight.uniform_(-bound, bound);
            conv.bias?.uniform_(-bound, bound);
        }
        return conv;
    }

    public static BatchNorm2d Norm(long features)
    {
        var bn = nn.BatchNorm2d(features);
        using (no_grad())
        {
            bn.weight!.fill_(1.0);
            bn.bias!.zero_();
        }
        return bn;
    }

    public static Linear Dense(long input, long output)
    {
        var fc = nn.Linear(input, output);
        var bound = 1.0 / Math.Sqrt(input);
        using (no_grad())
        {
            fc.weight.uniform_(-bound, bound);
            fc.bias!.uniform_(-bound, bound);
        }
        return fc;
    }

    /// <summary>Spatial output size of a convolution or pooling window.</summary>
    public static long OutSize(long size, long kernel, long stride, long padding) => ((size + (2 * padding) - kernel) / stride) + 1;

    /// <summary>Multiply-accumulates of a convolution producing <paramref name="output"/> channels on an h×w output.</summary>
    public static long ConvMacs(long input, long output, long kernel, long groups, long h, long w) => kernel * kernel * (input / groups) * output * h * w;
}
