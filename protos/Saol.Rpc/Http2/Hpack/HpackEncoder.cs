namespace Saol.Rpc.Http2.Hpack;

/// <summary>
/// Writes the few HPACK representations our HTTP/2 transport sends. It never indexes, so it keeps
/// no state and never needs the peer's SETTINGS_HEADER_TABLE_SIZE.
/// </summary>
internal static class HpackEncoder
{
    /// <summary>
    /// Appends a "literal header field without indexing — new name" (RFC 7541 6.2.2), not Huffman-coded.
    /// </summary>
    /// <param name="name">The field name: non-empty, lowercase ASCII.</param>
    /// <param name="value">The field value: Latin-1 (no char above U+00FF).</param>
    /// <param name="destination">Where the representation goes; untouched when an argument is invalid.</param>
    public static void WriteLiteral(string name, string value, List<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(destination);
        if (name.Length == 0)
        {
            throw new ArgumentException("A header name must not be empty.", nameof(name));
        }
        foreach (var c in name)
        {
            if (c is >= 'A' and <= 'Z' || c > 0x7F)
            {
                throw new ArgumentException($"A header name must be lowercase ASCII; '{name}' is not.", nameof(name));
            }
        }
        foreach (var c in value)
        {
            if (c > 0xFF)
            {
                throw new ArgumentException($"Header '{name}' has a value with a char above U+00FF, which HPACK's octets cannot carry.", nameof(value));
            }
        }
        destination.Add(0x00);
        WriteString(name, destination);
        WriteString(value, destination);
    }

    /// <summary>
    /// Appends an indexed header field (RFC 7541 6.1) for static table entry <paramref name="staticIndex"/>,
    /// for example 3 (":method: POST"), 6 (":scheme: http") or 8 (":status: 200").
    /// </summary>
    public static void WriteIndexed(int staticIndex, List<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(staticIndex, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(staticIndex, StaticTable.Count);
        ArgumentNullException.ThrowIfNull(destination);
        WriteInteger(staticIndex, 7, 0x80, destination);
    }

    /// <summary>Appends <paramref name="value"/> as an RFC 7541 5.1 integer with an N-bit prefix after <paramref name="flags"/>.</summary>
    public static void WriteInteger(int value, int prefixBits, byte flags, List<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefixBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixBits, 8);
        ArgumentNullException.ThrowIfNull(destination);
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            destination.Add((byte)(flags | value));
            return;
        }
        destination.Add((byte)(flags | max));
        var rest = (uint)(value - max);
        while (rest >= 0x80)
        {
            destination.Add((byte)(rest | 0x80));
            rest >>= 7;
        }
        destination.Add((byte)rest);
    }

    private static void WriteString(string text, List<byte> destination)
    {
        WriteInteger(text.Length, 7, 0x00, destination);
        foreach (var c in text)
        {
            destination.Add((byte)c);
        }
    }
}
