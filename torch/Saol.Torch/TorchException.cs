using Saol.Torch.Internal;

namespace Saol.Torch;

/// <summary>An error raised by libtorch (or rejected by the shim), carrying libtorch's own message.</summary>
public class TorchException : Exception
{
    /// <summary>Creates the exception with libtorch's message.</summary>
    public TorchException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public TorchException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public TorchException()
    {
    }

    internal static TorchException FromNative(Interop.Status status, string message) => status switch
    {
        Interop.Status.InvalidArgument => new TorchArgumentException(message),
        Interop.Status.DeviceUnavailable => new TorchDeviceException(message),
        _ => new TorchException(message),
    };
}

/// <summary>An argument the shim rejected before it reached libtorch (a null handle, a bad enum value, ...).</summary>
public sealed class TorchArgumentException : TorchException
{
    /// <summary>Creates the exception with the shim's message.</summary>
    public TorchArgumentException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public TorchArgumentException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public TorchArgumentException()
    {
    }
}

/// <summary>A device this libtorch or machine cannot serve (<c>cuda:0</c> with a CPU-only libtorch, an index past the visible GPUs).</summary>
public sealed class TorchDeviceException : TorchException
{
    /// <summary>Creates the exception with the shim's message.</summary>
    public TorchDeviceException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public TorchDeviceException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public TorchDeviceException()
    {
    }
}
