namespace Saol.Torch.Internal;

/// <summary>The libtorch element type that matches a managed element type.</summary>
internal static class ElementType<T>
    where T : unmanaged
{
    internal static readonly ScalarType ScalarType = Lookup();

    private static ScalarType Lookup()
    {
        var t = typeof(T);
        if (t == typeof(float)) { return ScalarType.Float32; }
        if (t == typeof(double)) { return ScalarType.Float64; }
        if (t == typeof(long)) { return ScalarType.Int64; }
        if (t == typeof(int)) { return ScalarType.Int32; }
        if (t == typeof(short)) { return ScalarType.Int16; }
        if (t == typeof(sbyte)) { return ScalarType.Int8; }
        if (t == typeof(byte)) { return ScalarType.Byte; }
        if (t == typeof(bool)) { return ScalarType.Bool; }
        if (t == typeof(Half)) { return ScalarType.Float16; }
        if (t == typeof(BFloat16)) { return ScalarType.BFloat16; }
        throw new NotSupportedException($"no libtorch element type for {t.Name}");
    }
}
