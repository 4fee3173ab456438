using System.Runtime.InteropServices;

namespace Saol.Torch.Internal;

/// <summary>P/Invokes into SaolTorchOptim.cpp.</summary>
internal static unsafe partial class Interop
{
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Optim_SgdStep(IntPtr* parameters, IntPtr* buffers, int count, double lr, double momentum, double dampening, double weightDecay, int nesterov, int maximize);
    [LibraryImport(LibraryName)] internal static partial int SaolTorch_Optim_ClipGradNorm(IntPtr* parameters, int count, double maxNorm, double normType, out double total);
}
