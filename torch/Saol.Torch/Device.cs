using System.Globalization;

namespace Saol.Torch;

/// <summary>A device a tensor lives on: <c>cpu</c> or <c>cuda:N</c>.</summary>
/// <remarks>
/// Creating a <see cref="Device"/> never fails for a well-formed name; using a CUDA device with a
/// libtorch that has no CUDA (or a device index that is not visible) throws
/// <see cref="TorchDeviceException"/> from the operation that needs it.
/// </remarks>
public sealed class Device : IEquatable<Device>
{
    /// <summary>Creates a device of the given type and index (-1: the current device of that type).</summary>
    public Device(DeviceType type, int index = -1)
    {
        if (type is not (DeviceType.CPU or DeviceType.CUDA))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "only cpu and cuda devices are supported");
        }
        if (index < -1 || (type == DeviceType.CPU && index > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"invalid index for a {type} device");
        }
        type_ = type;
        this.index = type == DeviceType.CUDA && index < 0 ? 0 : index;
    }

    /// <summary>Parses a device name as PyTorch does: <c>"cpu"</c>, <c>"cuda"</c>, <c>"cuda:1"</c>.</summary>
    public Device(string description)
        : this(ParseType(description, out var index), index)
    {
    }

    private readonly DeviceType type_;

    /// <summary>The kind of device.</summary>
    public DeviceType type => type_;

    /// <summary>The device index (-1 for the CPU).</summary>
    public int index { get; }

    /// <summary>The CPU.</summary>
    public static Device CPU { get; } = new(DeviceType.CPU);

    /// <summary>The first CUDA device.</summary>
    public static Device CUDA { get; } = new(DeviceType.CUDA, 0);

    private static DeviceType ParseType(string description, out int index)
    {
        ArgumentNullException.ThrowIfNull(description);
        var text = description.Trim().ToLowerInvariant();
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? text : text[..colon];
        index = -1;
        if (colon >= 0 && (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out index) || index < 0))
        {
            throw new ArgumentException($"invalid device '{description}': the index after ':' must be a non-negative integer", nameof(description));
        }
        return name switch
        {
            "cpu" => DeviceType.CPU,
            "cuda" => DeviceType.CUDA,
            _ => throw new ArgumentException($"invalid device '{description}': expected 'cpu', 'cuda' or 'cuda:N'", nameof(description)),
        };
    }

    /// <inheritdoc />
    public bool Equals(Device? other) => other is not null && other.type_ == type_ && other.index == index;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Device);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(type_, index);

    /// <summary>PyTorch's spelling: <c>cpu</c> or <c>cuda:N</c>.</summary>
    public override string ToString() => type_ == DeviceType.CPU ? "cpu" : $"cuda:{index}";

    /// <summary>Equality by type and index.</summary>
    public static bool operator ==(Device? left, Device? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality by type and index.</summary>
    public static bool operator !=(Device? left, Device? right) => !(left == right);

    /// <summary>Parses a device name (<c>"cuda:0"</c>).</summary>
    public static implicit operator Device(string description) => new(description);
}
