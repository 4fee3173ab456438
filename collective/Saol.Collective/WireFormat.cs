namespace Saol.Collective;

/// <summary>The element type segments carry on the wire. Accumulation is always float32.</summary>
public enum WireFormat
{
    /// <summary>IEEE float32: exact, 4 bytes per element.</summary>
    Float32 = 0,

    /// <summary>IEEE float16 (round to nearest even): 2 bytes per element, range ±65504.</summary>
    Float16 = 1,

    /// <summary>bfloat16 (the top 16 bits of float32, round to nearest even): 2 bytes, float32's range.</summary>
    BFloat16 = 2,
}
