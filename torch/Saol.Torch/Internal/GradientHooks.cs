using System.Runtime.InteropServices;

namespace Saol.Torch.Internal;

/// <summary>
/// Bridges libtorch's autograd hooks to managed callbacks. libtorch holds an unmanaged function
/// pointer plus a GCHandle id (never a delegate the GC could collect); it calls the release
/// callback, which frees the GCHandle, when the hook is removed or the tensor's autograd state goes.
/// </summary>
internal static unsafe class GradientHooks
{
    // The exception of the last failed hook, per thread that ran it: backward reads it to chain it
    // as the inner exception. Autograd runs CPU hooks on the thread that called backward.
    [ThreadStatic]
    private static Exception? t_lastFailure;

    // A hook that failed on an autograd worker thread (CUDA) is not visible through t_lastFailure.
    private static Exception? s_lastFailureAnyThread;

    private static long s_live;

    /// <summary>Hooks whose managed callback is still referenced by libtorch (a leak shows here).</summary>
    internal static long LiveCount => Interlocked.Read(ref s_live);

    internal static HookHandle Register(Tensor tensor, Func<Tensor, Tensor?> hook)
    {
        var gc = GCHandle.Alloc(hook);
        Interlocked.Increment(ref s_live);
        var context = (long)GCHandle.ToIntPtr(gc);
        var status = Interop.SaolTorch_Tensor_RegisterHook(tensor.Handle, &Invoke, &Release, context, out var id);
        if (status != 0)
        {
            gc.Free();
            Interlocked.Decrement(ref s_live);
            Interop.Check(status);
        }
        return new HookHandle(() => Interop.Check(Interop.SaolTorch_Tensor_RemoveHook(tensor.Handle, id)), () => tensor.IsInvalid);
    }

    internal static HookHandle RegisterPostAccumulate(Tensor tensor, Action<Tensor> hook)
    {
        Func<Tensor, Tensor?> adapter = leaf =>
        {
            hook(leaf);
            return null;
        };
        var gc = GCHandle.Alloc(adapter);
        Interlocked.Increment(ref s_live);
        var status = Interop.SaolTorch_Tensor_RegisterPostAccumulateHook(tensor.Handle, &Invoke, &Release, (long)GCHandle.ToIntPtr(gc), out var registration);
        if (status != 0)
        {
            gc.Free();
            Interlocked.Decrement(ref s_live);
            Interop.Check(status);
        }
        var handle = new PostHookRegistration(registration);
        return new HookHandle(handle.Dispose, () => handle.IsClosed);
    }

    /// <summary>Owns a native post-accumulate hook registration; freeing it removes the hook.</summary>
    private sealed class PostHookRegistration : SafeHandle
    {
        internal PostHookRegistration(IntPtr registration)
            : base(IntPtr.Zero, ownsHandle: true) => SetHandle(registration);

        public override bool IsInvalid => handle == IntPtr.Zero;

        protected override bool ReleaseHandle()
        {
            Interop.SaolTorch_PostHook_Free(handle);
            return true;
        }
    }

    internal static void ThrowFailure(int status)
    {
        var inner = t_lastFailure ?? Interlocked.Exchange(ref s_lastFailureAnyThread, null);
        t_lastFailure = null;
        var message = Marshal.PtrToStringUTF8(Interop.SaolTorch_LastError()) ?? "";
        if (inner is not null && message.Contains("gradient hook failed", StringComparison.Ordinal))
        {
            throw new TorchException(message, inner);
        }
        Interop.Check(status);
    }

    [UnmanagedCallersOnly]
    private static int Invoke(long context, IntPtr grad, IntPtr* replacement)
    {
        // Everything the hook creates, the gradient included, is freed when it returns, except
        // a replacement (handed to libtorch) and whatever the hook detached from the scope.
        Tensor? gradient = null;
        try
        {
            using var scope = new DisposeScope();
            gradient = new Tensor(grad);
            var hook = (Func<Tensor, Tensor?>)GCHandle.FromIntPtr(new IntPtr(context)).Target!;
            var result = hook(gradient);
            if (result is not null)
            {
                // libtorch takes its own reference; ours goes with the scope.
                Interop.Check(Interop.SaolTorch_Tensor_Alias(result.Handle, out var alias));
                *replacement = alias;
            }
            return 0;
        }
        catch (Exception ex)
        {
            t_lastFailure = ex;
            Volatile.Write(ref s_lastFailureAnyThread, ex);
            Interop.SaolTorch_SetLastError($"{ex.GetType().Name}: {ex.Message}");
            return 1;
        }
    }

    [UnmanagedCallersOnly]
    private static void Release(long context)
    {
        GCHandle.FromIntPtr(new IntPtr(context)).Free();
        Interlocked.Decrement(ref s_live);
    }
}
