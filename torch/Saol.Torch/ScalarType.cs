namespace Saol.Torch;

/// <summary>Element types, numbered as libtorch's <c>c10::ScalarType</c> (and TorchSharp's).</summary>
#pragma warning disable CA1720 // The names mirror TorchSharp's ScalarType, which mirrors c10.
public enum ScalarType : sbyte
{
    /// <summary>Unsigned 8-bit integer (torch.uint8).</summary>
    Byte = 0,
    /// <summary>Signed 8-bit integer (torch.int8).</summary>
    Int8 = 1,
    /// <summary>Signed 16-bit integer (torch.int16).</summary>
    Int16 = 2,
    /// <summary>Signed 32-bit integer (torch.int32).</summary>
    Int32 = 3,
    /// <summary>Signed 64-bit integer (torch.int64).</summary>
    Int64 = 4,
    /// <summary>IEEE half precision (torch.float16).</summary>
    Float16 = 5,
    /// <summary>IEEE single precision (torch.float32).</summary>
    Float32 = 6,
    /// <summary>IEEE double precision (torch.float64).</summary>
    Float64 = 7,
    /// <summary>Boolean (torch.bool).</summary>
    Bool = 11,
    /// <summary>Brain floating point, 8-bit exponent and 7-bit mantissa (torch.bfloat16).</summary>
    BFloat16 = 15,
}
#pragma warning restore CA1720

/// <summary>Kinds of device, numbered as libtorch's <c>c10::DeviceType</c>.</summary>
public enum DeviceType
{
    /// <summary>The host CPU.</summary>
    CPU = 0,
    /// <summary>An NVIDIA GPU through CUDA.</summary>
    CUDA = 1,
}
