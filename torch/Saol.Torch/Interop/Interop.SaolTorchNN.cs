using System.Runtime.InteropServices;

namespace Saol.Torch.Internal;

/// <summary>P/Invokes into SaolTorchNN.cpp (torch.nn.functional).</summary>
internal static unsafe partial class Interop
{
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_Conv2d(TensorHandle input, TensorHandle weight, TensorHandle bias, long* stride, long* padding, long* dilation, long groups, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_BatchNorm(TensorHandle input, TensorHandle weight, TensorHandle bias, TensorHandle runningMean, TensorHandle runningVar, int training, double momentum, double eps, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_MaxPool2d(TensorHandle input, long* kernel, long* stride, long* padding, long* dilation, int ceilMode, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_AvgPool2d(TensorHandle input, long* kernel, long* stride, long* padding, int ceilMode, int countIncludePad, long divisorOverride, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_AdaptiveAvgPool2d(TensorHandle input, long* outputSize, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_AdaptiveMaxPool2d(TensorHandle input, long* outputSize, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_Linear(TensorHandle input, TensorHandle weight, TensorHandle bias, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_Dropout(TensorHandle input, double p, int training, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_Dropout_(TensorHandle input, double p, int training);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_UpsampleBilinear2d(TensorHandle input, long* size, int sizeCount, double* scales, int scaleCount, int alignCorners, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_Softmax(TensorHandle input, long dim, int dtype, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_LogSoftmax(TensorHandle input, long dim, int dtype, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_CrossEntropy(TensorHandle input, TensorHandle target, TensorHandle weight, long reduction, long ignoreIndex, double labelSmoothing, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_NllLoss(TensorHandle input, TensorHandle target, TensorHandle weight, long reduction, long ignoreIndex, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_BinaryCrossEntropy(TensorHandle input, TensorHandle target, TensorHandle weight, long reduction, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_BinaryCrossEntropyWithLogits(TensorHandle input, TensorHandle target, TensorHandle weight, TensorHandle posWeight, long reduction, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_KlDiv(TensorHandle input, TensorHandle target, long reduction, int logTarget, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_MseLoss(TensorHandle input, TensorHandle target, long reduction, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_L1Loss(TensorHandle input, TensorHandle target, long reduction, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_Silu(TensorHandle input, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_Gelu(TensorHandle input, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_LeakyRelu(TensorHandle input, double slope, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_Hardtanh(TensorHandle input, double min, double max, out IntPtr result);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_NN_Pad(TensorHandle input, long* pad, int count, double value, out IntPtr result);
}
