using System.Reflection;
using System.Runtime.InteropServices;

namespace Saol.Torch.Internal;

/// <summary>
/// Every P/Invoke into the native shim (torch/native). One partial per shim source file; the
/// library name is a constant and the resolver finds the shim next to the assembly or in the
/// checkout's build/native.
/// </summary>
internal static partial class Interop
{
    internal const string LibraryName = "SaolTorch";

    /// <summary>Status codes returned by every export (SaolTorch.h).</summary>
    internal enum Status
    {
        Ok = 0,
        TorchError = 1,
        InvalidArgument = 2,
        UnknownError = 3,
        DeviceUnavailable = 4,
    }

    static Interop()
    {
        NativeLibrary.SetDllImportResolver(typeof(Interop).Assembly, Resolve);
    }

    /// <summary>Forces the static constructor (and so the resolver) before the first call.</summary>
    internal static void EnsureLoaded() => _ = LibraryName;

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName)
        {
            return IntPtr.Zero;
        }
        foreach (var candidate in Candidates())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
            {
                return handle;
            }
        }
        throw new DllNotFoundException(
            $"libSaolTorch.so not found (looked in: {string.Join(", ", Candidates())}). Build it with `make native`, or set SAOL_TORCH_NATIVE to its path.");
    }

    private static IEnumerable<string> Candidates()
    {
        var fromEnv = Environment.GetEnvironmentVariable("SAOL_TORCH_NATIVE");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            yield return fromEnv;
        }
        yield return Path.Combine(AppContext.BaseDirectory, "libSaolTorch.so");
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            yield return Path.Combine(dir.FullName, "build", "native", "libSaolTorch.so");
            dir = dir.Parent;
        }
    }

    [LibraryImport(LibraryName)]
    internal static partial IntPtr SaolTorch_LastError();

    [LibraryImport(LibraryName)]
    internal static partial int SaolTorch_SetNumThreads(int threads);

    [LibraryImport(LibraryName)]
    internal static partial int SaolTorch_GetNumThreads(out int threads);

    [LibraryImport(LibraryName)]
    internal static partial int SaolTorch_CudaDeviceCount(out int count);

    /// <summary>Throws the typed exception for a non-zero status, with the message the shim kept.</summary>
    internal static void Check(int status)
    {
        if (status != (int)Status.Ok)
        {
            throw TorchException.FromNative((Status)status, Marshal.PtrToStringUTF8(SaolTorch_LastError()) ?? "");
        }
    }
}
