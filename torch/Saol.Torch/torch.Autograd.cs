using Saol.Torch.Internal;

namespace Saol.Torch;

/// <summary>Grad mode, dispose scopes and the random seed.</summary>
public static partial class torch
{
    /// <summary>Opens a scope that owns every tensor created on this thread until it is disposed.</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>Disables gradient recording on this thread until the returned scope is disposed.</summary>
    public static IDisposable no_grad() => new GradModeScope(false);

    /// <summary>Enables gradient recording on this thread until the returned scope is disposed.</summary>
    public static IDisposable enable_grad() => new GradModeScope(true);

    /// <summary>Whether gradient recording is enabled on this thread.</summary>
    public static bool is_grad_enabled()
    {
        Interop.Check(Interop.SaolTorch_SetGradEnabled(1, out var previous));
        Interop.Check(Interop.SaolTorch_SetGradEnabled(previous, out _));
        return previous != 0;
    }

    /// <summary>Seeds libtorch's global generators (CPU and, where present, CUDA).</summary>
    public static void manual_seed(long seed) => Interop.Check(Interop.SaolTorch_ManualSeed(seed));

    /// <summary>The CPU generator's state as a uint8 tensor (torch.get_rng_state), for checkpoints.</summary>
    public static Tensor get_rng_state() => Tensor.Result(Interop.SaolTorch_GetRngState(out var r), r);

    /// <summary>Restores the CPU generator's state from <see cref="get_rng_state"/>.</summary>
    public static void set_rng_state(Tensor state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Interop.Check(Interop.SaolTorch_SetRngState(state.Handle));
    }

    private sealed class GradModeScope : IDisposable
    {
        private readonly int _previous;
        private bool _disposed;

        internal GradModeScope(bool enabled) => Interop.Check(Interop.SaolTorch_SetGradEnabled(enabled ? 1 : 0, out _previous));

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Interop.Check(Interop.SaolTorch_SetGradEnabled(_previous, out _));
            }
        }
    }
}
