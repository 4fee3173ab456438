using System.Text;

namespace Saol.Rpc.Http2.Hpack;

/// <summary>
/// Decodes HPACK header blocks (RFC 7541) received on one HTTP/2 connection. The dynamic table
/// persists from block to block, so a connection has exactly one decoder and feeds it every block
/// in order; after an <see cref="HpackException"/> the decoder is out of step and the connection must end.
/// </summary>
internal sealed class HpackDecoder
{
    private readonly int _maxDynamicTableSize;
    private readonly int _maxHeaderListSize;

    /// <summary>Creates a decoder with an empty dynamic table.</summary>
    /// <param name="maxDynamicTableSize">
    /// The SETTINGS_HEADER_TABLE_SIZE we advertise: the table's initial maximum, and the limit for
    /// dynamic table size updates. Defaults to 4,096.
    /// </param>
    /// <param name="maxHeaderListSize">
    /// The largest header list one block may decode to, counted as the sum over fields of
    /// name length + value length + 32. Defaults to 65,536.
    /// </param>
    public HpackDecoder(int maxDynamicTableSize = 4096, int maxHeaderListSize = 65536)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDynamicTableSize);
        ArgumentOutOfRangeException.ThrowIfNegative(maxHeaderListSize);
        _maxDynamicTableSize = maxDynamicTableSize;
        _maxHeaderListSize = maxHeaderListSize;
        DynamicTable = new DynamicTable(maxDynamicTableSize);
    }

    /// <summary>The decoding context's dynamic table (exposed for tests and diagnostics).</summary>
    public DynamicTable DynamicTable { get; }

    /// <summary>
    /// Decodes one complete header block (the HEADERS fragment and any CONTINUATION fragments,
    /// concatenated) and appends its fields to <paramref name="headers"/> in order. Names and values
    /// are Latin-1, one char per octet.
    /// </summary>
    /// <exception cref="HpackException">
    /// The block is malformed: a truncated integer or string, an integer above <see cref="int.MaxValue"/>,
    /// index 0 or an index past the tables, an invalid Huffman string, a dynamic table size update
    /// that is not at the start of the block or exceeds the advertised maximum, an uppercase character
    /// in a name, or a header list larger than the limit. Fields before the error may have been appended.
    /// </exception>
    public void Decode(ReadOnlySpan<byte> block, List<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var position = 0;
        var fieldSeen = false;
        long listSize = 0;
        while (position < block.Length)
        {
            var first = block[position];
            HeaderField field;
            if ((first & 0x80) != 0)
            {
                // 6.1 Indexed Header Field.
                field = GetIndexed(ReadInteger(block, ref position, 7));
            }
            else if ((first & 0x40) != 0)
            {
                // 6.2.1 Literal Header Field with Incremental Indexing.
                field = ReadLiteral(block, ref position, 6);
                DynamicTable.Add(field);
            }
            else if ((first & 0x20) != 0)
            {
                // 6.3 Dynamic Table Size Update: only before the first field (4.2).
                if (fieldSeen)
                {
                    throw new HpackException("HPACK dynamic table size update after a header field; it must be at the start of the block.");
                }
                var size = ReadInteger(block, ref position, 5);
                if (size > _maxDynamicTableSize)
                {
                    throw new HpackException($"HPACK dynamic table size update to {size} is above the maximum of {_maxDynamicTableSize}.");
                }
                DynamicTable.SetMaxSize(size);
                continue;
            }
            else
            {
                // 6.2.2 without indexing (0000) and 6.2.3 never indexed (0001) differ only for intermediaries.
                field = ReadLiteral(block, ref position, 4);
            }

            fieldSeen = true;
            listSize += field.Size;
            if (listSize > _maxHeaderListSize)
            {
                throw new HpackException($"HPACK header list too large: more than {_maxHeaderListSize} octets (name + value + 32 per field).");
            }
            headers.Add(new KeyValuePair<string, string>(field.Name, field.Value));
        }
    }

    private HeaderField GetIndexed(int index)
    {
        if (index == 0)
        {
            throw new HpackException("HPACK index 0 is not a valid table index.");
        }
        if (index <= StaticTable.Count)
        {
            return StaticTable.Get(index);
        }
        var dynamicIndex = index - StaticTable.Count - 1;
        if (dynamicIndex >= DynamicTable.Count)
        {
            throw new HpackException($"HPACK index {index} is out of range: the static table has {StaticTable.Count} entries and the dynamic table {DynamicTable.Count}.");
        }
        return DynamicTable[dynamicIndex];
    }

    private HeaderField ReadLiteral(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        var nameIndex = ReadInteger(block, ref position, prefixBits);
        var name = nameIndex == 0 ? ReadName(block, ref position) : GetIndexed(nameIndex).Name;
        var value = ReadString(block, ref position, "value");
        return new HeaderField(name, value);
    }

    private static string ReadName(ReadOnlySpan<byte> block, ref int position)
    {
        var name = ReadString(block, ref position, "name");
        // HTTP/2 (RFC 9113 8.2.1) requires lowercase field names; the tables only hold names that passed this check.
        foreach (var c in name)
        {
            if (c is >= 'A' and <= 'Z')
            {
                throw new HpackException($"HPACK header name contains an uppercase character '{c}'.");
            }
        }
        return name;
    }

    private static string ReadString(ReadOnlySpan<byte> block, ref int position, string what)
    {
        if (position >= block.Length)
        {
            throw new HpackException($"HPACK header block truncated: the {what} string literal is missing.");
        }
        var huffman = (block[position] & 0x80) != 0;
        var length = ReadInteger(block, ref position, 7);
        if (length > block.Length - position)
        {
            throw new HpackException($"HPACK header block truncated: the {what} string literal needs {length} octets, {block.Length - position} remain.");
        }
        var octets = block.Slice(position, length);
        position += length;
        return huffman ? Huffman.Decode(octets) : Encoding.Latin1.GetString(octets);
    }

    // RFC 7541 5.1; the caller has checked that the first octet exists.
    private static int ReadInteger(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        var mask = (1 << prefixBits) - 1;
        long value = block[position++] & mask;
        if (value < mask)
        {
            return (int)value;
        }
        // Five continuation octets carry 35 bits, more than enough for int.MaxValue; longer
        // encodings exceed the implementation limit the RFC lets decoders set.
        for (var shift = 0; shift <= 28; shift += 7)
        {
            if (position >= block.Length)
            {
                throw new HpackException("HPACK header block truncated inside an integer.");
            }
            var octet = block[position++];
            value += (long)(octet & 0x7F) << shift;
            if (value > int.MaxValue)
            {
                throw new HpackException("HPACK integer overflow: the value exceeds int.MaxValue.");
            }
            if ((octet & 0x80) == 0)
            {
                return (int)value;
            }
        }
        throw new HpackException("HPACK integer overflow: more than five continuation octets.");
    }
}
