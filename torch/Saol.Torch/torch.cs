using Saol.Torch.Internal;

namespace Saol.Torch;

/// <summary>The entry point of the binding, shaped like TorchSharp's <c>TorchSharp.torch</c>.</summary>
public static partial class torch
{
    /// <summary>Sets libtorch's intra-op thread count (Debian's libtorch starts at 1).</summary>
    public static void set_num_threads(int threads) => Interop.Check(Interop.SaolTorch_SetNumThreads(threads));

    /// <summary>libtorch's current intra-op thread count.</summary>
    public static int get_num_threads()
    {
        Interop.Check(Interop.SaolTorch_GetNumThreads(out var threads));
        return threads;
    }

    /// <summary>Sets the intra-op thread count from <c>SAOL_NUM_THREADS</c>, or the processor count.</summary>
    public static int InitializeThreadsFromEnvironment()
    {
        var threads = int.TryParse(Environment.GetEnvironmentVariable("SAOL_NUM_THREADS"), out var n) && n > 0 ? n : Environment.ProcessorCount;
        set_num_threads(threads);
        return threads;
    }

    /// <summary>CUDA support in the libtorch the shim was built against.</summary>
    public static class cuda
    {
        /// <summary>True when libtorch was built with CUDA and a device is visible.</summary>
        public static bool is_available() => device_count() > 0;

        /// <summary>The number of visible CUDA devices (0 with a CPU-only libtorch).</summary>
        public static int device_count()
        {
            Interop.Check(Interop.SaolTorch_CudaDeviceCount(out var count));
            return count;
        }
    }
}
