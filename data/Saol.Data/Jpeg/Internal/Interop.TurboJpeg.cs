using System.Runtime.InteropServices;

namespace Saol.Data.Jpeg.Internal;

/// <summary>P/Invokes into libjpeg-turbo's TurboJPEG API (Debian <c>libturbojpeg0</c>).</summary>
internal static partial class Interop
{
    /// <summary>The shared library's soname, so no <c>-dev</c> symlink is needed at run time.</summary>
    internal const string LibraryName = "libturbojpeg.so.0";

    internal const int PixelFormatRgb = 0; // TJPF_RGB
    internal const int Subsampling444 = 0; // TJSAMP_444
    internal const int FlagAccurateDct = 4096; // TJFLAG_ACCURATEDCT

    [LibraryImport(LibraryName)]
    internal static partial TurboJpegHandle tjInitCompress();

    [LibraryImport(LibraryName)]
    internal static partial TurboJpegHandle tjInitDecompress();

    [LibraryImport(LibraryName)]
    internal static partial int tjDestroy(IntPtr handle);

    [LibraryImport(LibraryName)]
    internal static partial IntPtr tjGetErrorStr2(TurboJpegHandle handle);

    [LibraryImport(LibraryName)]
    internal static unsafe partial int tjDecompressHeader3(TurboJpegHandle handle, byte* jpegBuf, nuint jpegSize, out int width, out int height, out int jpegSubsamp, out int jpegColorspace);

    [LibraryImport(LibraryName)]
    internal static unsafe partial int tjDecompress2(TurboJpegHandle handle, byte* jpegBuf, nuint jpegSize, byte* dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    [LibraryImport(LibraryName)]
    internal static unsafe partial int tjCompress2(TurboJpegHandle handle, byte* srcBuf, int width, int pitch, int height, int pixelFormat, ref IntPtr jpegBuf, ref nuint jpegSize, int jpegSubsamp, int jpegQual, int flags);

    [LibraryImport(LibraryName)]
    internal static partial void tjFree(IntPtr buffer);
}

/// <summary>A TurboJPEG <c>tjhandle</c>; <see cref="ReleaseHandle"/> calls <c>tjDestroy</c>.</summary>
internal sealed class TurboJpegHandle : SafeHandle
{
    public TurboJpegHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Interop.tjDestroy(handle) == 0;

    /// <summary>The library's message for the last failed call on this handle.</summary>
    public string LastError() => Marshal.PtrToStringUTF8(Interop.tjGetErrorStr2(this)) ?? "unknown TurboJPEG error";
}
