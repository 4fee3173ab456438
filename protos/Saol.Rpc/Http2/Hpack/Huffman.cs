using System.Buffers;

namespace Saol.Rpc.Http2.Hpack;

/// <summary>
/// The static Huffman code of RFC 7541 Appendix B. Decoding walks the code tree four bits at a
/// time through a precomputed transition table: no code is shorter than five bits, so a nibble
/// completes at most one symbol.
/// </summary>
internal static class Huffman
{
    private const int Eos = 256;

    // (code, length in bits) per symbol 0..255 and EOS, codes aligned to the least significant bit.
    private static readonly (uint Code, byte Length)[] s_codes =
    [
        (0x1ff8, 13), (0x7fffd8, 23), (0xfffffe2, 28), (0xfffffe3, 28), (0xfffffe4, 28), (0xfffffe5, 28), (0xfffffe6, 28), (0xfffffe7, 28),
        (0xfffffe8, 28), (0xffffea, 24), (0x3ffffffc, 30), (0xfffffe9, 28), (0xfffffea, 28), (0x3ffffffd, 30), (0xfffffeb, 28), (0xfffffec, 28),
        (0xfffffed, 28), (0xfffffee, 28), (0xfffffef, 28), (0xffffff0, 28), (0xffffff1, 28), (0xffffff2, 28), (0x3ffffffe, 30), (0xffffff3, 28),
        (0xffffff4, 28), (0xffffff5, 28), (0xffffff6, 28), (0xffffff7, 28), (0xffffff8, 28), (0xffffff9, 28), (0xffffffa, 28), (0xffffffb, 28),
        (0x14, 6), (0x3f8, 10), (0x3f9, 10), (0xffa, 12), (0x1ff9, 13), (0x15, 6), (0xf8, 8), (0x7fa, 11),
        (0x3fa, 10), (0x3fb, 10), (0xf9, 8), (0x7fb, 11), (0xfa, 8), (0x16, 6), (0x17, 6), (0x18, 6),
        (0x0, 5), (0x1, 5), (0x2, 5), (0x19, 6), (0x1a, 6), (0x1b, 6), (0x1c, 6), (0x1d, 6),
        (0x1e, 6), (0x1f, 6), (0x5c, 7), (0xfb, 8), (0x7ffc, 15), (0x20, 6), (0xffb, 12), (0x3fc, 10),
        (0x1ffa, 13), (0x21, 6), (0x5d, 7), (0x5e, 7), (0x5f, 7), (0x60, 7), (0x61, 7), (0x62, 7),
        (0x63, 7), (0x64, 7), (0x65, 7), (0x66, 7), (0x67, 7), (0x68, 7), (0x69, 7), (0x6a, 7),
        (0x6b, 7), (0x6c, 7), (0x6d, 7), (0x6e, 7), (0x6f, 7), (0x70, 7), (0x71, 7), (0x72, 7),
        (0xfc, 8), (0x73, 7), (0xfd, 8), (0x1ffb, 13), (0x7fff0, 19), (0x1ffc, 13), (0x3ffc, 14), (0x22, 6),
        (0x7ffd, 15), (0x3, 5), (0x23, 6), (0x4, 5), (0x24, 6), (0x5, 5), (0x25, 6), (0x26, 6),
        (0x27, 6), (0x6, 5), (0x74, 7), (0x75, 7), (0x28, 6), (0x29, 6), (0x2a, 6), (0x7, 5),
        (0x2b, 6), (0x76, 7), (0x2c, 6), (0x8, 5), (0x9, 5), (0x2d, 6), (0x77, 7), (0x78, 7),
        (0x79, 7), (0x7a, 7), (0x7b, 7), (0x7ffe, 15), (0x7fc, 11), (0x3ffd, 14), (0x1ffd, 13), (0xffffffc, 28),
        (0xfffe6, 20), (0x3fffd2, 22), (0xfffe7, 20), (0xfffe8, 20), (0x3fffd3, 22), (0x3fffd4, 22), (0x3fffd5, 22), (0x7fffd9, 23),
        (0x3fffd6, 22), (0x7fffda, 23), (0x7fffdb, 23), (0x7fffdc, 23), (0x7fffdd, 23), (0x7fffde, 23), (0xffffeb, 24), (0x7fffdf, 23),
        (0xffffec, 24), (0xffffed, 24), (0x3fffd7, 22), (0x7fffe0, 23), (0xffffee, 24), (0x7fffe1, 23), (0x7fffe2, 23), (0x7fffe3, 23),
        (0x7fffe4, 23), (0x1fffdc, 21), (0x3fffd8, 22), (0x7fffe5, 23), (0x3fffd9, 22), (0x7fffe6, 23), (0x7fffe7, 23), (0xffffef, 24),
        (0x3fffda, 22), (0x1fffdd, 21), (0xfffe9, 20), (0x3fffdb, 22), (0x3fffdc, 22), (0x7fffe8, 23), (0x7fffe9, 23), (0x1fffde, 21),
        (0x7fffea, 23), (0x3fffdd, 22), (0x3fffde, 22), (0xfffff0, 24), (0x1fffdf, 21), (0x3fffdf, 22), (0x7fffeb, 23), (0x7fffec, 23),
        (0x1fffe0, 21), (0x1fffe1, 21), (0x3fffe0, 22), (0x1fffe2, 21), (0x7fffed, 23), (0x3fffe1, 22), (0x7fffee, 23), (0x7fffef, 23),
        (0xfffea, 20), (0x3fffe2, 22), (0x3fffe3, 22), (0x3fffe4, 22), (0x7ffff0, 23), (0x3fffe5, 22), (0x3fffe6, 22), (0x7ffff1, 23),
        (0x3ffffe0, 26), (0x3ffffe1, 26), (0xfffeb, 20), (0x7fff1, 19), (0x3fffe7, 22), (0x7ffff2, 23), (0x3fffe8, 22), (0x1ffffec, 25),
        (0x3ffffe2, 26), (0x3ffffe3, 26), (0x3ffffe4, 26), (0x7ffffde, 27), (0x7ffffdf, 27), (0x3ffffe5, 26), (0xfffff1, 24), (0x1ffffed, 25),
        (0x7fff2, 19), (0x1fffe3, 21), (0x3ffffe6, 26), (0x7ffffe0, 27), (0x7ffffe1, 27), (0x3ffffe7, 26), (0x7ffffe2, 27), (0xfffff2, 24),
        (0x1fffe4, 21), (0x1fffe5, 21), (0x3ffffe8, 26), (0x3ffffe9, 26), (0xffffffd, 28), (0x7ffffe3, 27), (0x7ffffe4, 27), (0x7ffffe5, 27),
        (0xfffec, 20), (0xfffff3, 24), (0xfffed, 20), (0x1fffe6, 21), (0x3fffe9, 22), (0x1fffe7, 21), (0x1fffe8, 21), (0x7ffff3, 23),
        (0x3fffea, 22), (0x3fffeb, 22), (0x1ffffee, 25), (0x1ffffef, 25), (0xfffff4, 24), (0xfffff5, 24), (0x3ffffea, 26), (0x7ffff4, 23),
        (0x3ffffeb, 26), (0x7ffffe6, 27), (0x3ffffec, 26), (0x3ffffed, 26), (0x7ffffe7, 27), (0x7ffffe8, 27), (0x7ffffe9, 27), (0x7ffffea, 27),
        (0x7ffffeb, 27), (0xffffffe, 28), (0x7ffffec, 27), (0x7ffffed, 27), (0x7ffffee, 27), (0x7ffffef, 27), (0x7fffff0, 27), (0x3ffffee, 26),
        (0x3fffffff, 30),
    ];

    private static readonly DecodeTable s_decode = DecodeTable.Build();

    /// <summary>
    /// Decodes a Huffman-coded string literal to Latin-1 chars (one per octet).
    /// </summary>
    /// <exception cref="HpackException">The input contains EOS, or its padding is longer than 7 bits or not all ones.</exception>
    public static string Decode(ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return string.Empty;
        }
        // At most one symbol per five bits.
        var capacity = (int)(source.Length * 8L / 5);
        char[]? rented = null;
        Span<char> output = capacity <= 256 ? stackalloc char[capacity] : (rented = ArrayPool<char>.Shared.Rent(capacity));
        try
        {
            var transitions = s_decode.Transitions;
            var written = 0;
            var node = 0;
            foreach (var octet in source)
            {
                node = Step(transitions, node, octet >> 4, output, ref written);
                node = Step(transitions, node, octet & 0xF, output, ref written);
            }
            switch (s_decode.Endings[node])
            {
                case Ending.PaddingTooLong:
                    throw new HpackException("Invalid HPACK Huffman string: padding longer than 7 bits.");
                case Ending.PaddingNotOnes:
                    throw new HpackException("Invalid HPACK Huffman string: padding is not all ones (the string ends inside a symbol).");
                default:
                    return new string(output[..written]);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Encodes <paramref name="source"/> octets, padding the last octet with the ones of EOS's prefix.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> source)
    {
        var result = new byte[EncodedLength(source)];
        ulong pending = 0;
        var pendingBits = 0;
        var written = 0;
        foreach (var octet in source)
        {
            var (code, length) = s_codes[octet];
            // Fewer than 8 bits wait between symbols and codes are at most 30 bits: the low 38 bits
            // of the accumulator are always the ones that matter.
            pending = (pending << length) | code;
            pendingBits += length;
            while (pendingBits >= 8)
            {
                pendingBits -= 8;
                result[written++] = (byte)(pending >> pendingBits);
            }
        }
        if (pendingBits > 0)
        {
            result[written] = (byte)((pending << (8 - pendingBits)) | (0xFFu >> pendingBits));
        }
        return result;
    }

    /// <summary>The number of octets <see cref="Encode"/> produces for <paramref name="source"/>.</summary>
    public static int EncodedLength(ReadOnlySpan<byte> source)
    {
        long bits = 0;
        foreach (var octet in source)
        {
            bits += s_codes[octet].Length;
        }
        return checked((int)((bits + 7) / 8));
    }

    private static int Step(uint[] transitions, int node, int nibble, Span<char> output, ref int written)
    {
        var transition = transitions[(node << 4) | nibble];
        if ((transition & DecodeTable.Fail) != 0)
        {
            throw new HpackException("Invalid HPACK Huffman string: it contains the EOS symbol.");
        }
        if ((transition & DecodeTable.Emit) != 0)
        {
            output[written++] = (char)((transition >> 8) & 0xFF);
        }
        return (int)(transition & 0xFF);
    }

    private enum Ending : byte
    {
        Valid,
        PaddingTooLong,
        PaddingNotOnes,
    }

    /// <summary>The code tree's 256 internal nodes (0 is the root) and, per node and nibble, where the walk goes.</summary>
    private sealed class DecodeTable
    {
        // A transition: bits 0-7 the next node, bits 8-15 the emitted symbol, then the flags.
        public const uint Emit = 1u << 16;
        public const uint Fail = 1u << 17;

        private const int NodeCount = 256;
        private const int LeafBase = 0x1000;

        private DecodeTable(uint[] transitions, Ending[] endings)
        {
            Transitions = transitions;
            Endings = endings;
        }

        public uint[] Transitions { get; }

        /// <summary>Whether a string may end with the walk at each node: only in the first 7 ones of EOS's code.</summary>
        public Ending[] Endings { get; }

        public static DecodeTable Build()
        {
            // children[node * 2 + bit]: an internal node index, LeafBase + symbol, or -1 while unset.
            var children = new int[NodeCount * 2];
            Array.Fill(children, -1);
            var depth = new int[NodeCount];
            var allOnes = new bool[NodeCount];
            allOnes[0] = true;
            var nodes = 1;
            for (var symbol = 0; symbol < s_codes.Length; symbol++)
            {
                var (code, length) = s_codes[symbol];
                var node = 0;
                for (var i = length - 1; i > 0; i--)
                {
                    var bit = (int)(code >> i) & 1;
                    ref var child = ref children[node * 2 + bit];
                    if (child < 0)
                    {
                        child = nodes++;
                        depth[child] = depth[node] + 1;
                        allOnes[child] = allOnes[node] && bit == 1;
                    }
                    node = child;
                }
                children[node * 2 + (int)(code & 1)] = LeafBase + symbol;
            }

            var transitions = new uint[NodeCount * 16];
            for (var start = 0; start < NodeCount; start++)
            {
                for (var nibble = 0; nibble < 16; nibble++)
                {
                    var node = start;
                    uint flags = 0;
                    uint symbol = 0;
                    for (var i = 3; i >= 0; i--)
                    {
                        var child = children[node * 2 + ((nibble >> i) & 1)];
                        if (child < LeafBase)
                        {
                            node = child;
                            continue;
                        }
                        if (child - LeafBase == Eos)
                        {
                            flags |= Fail;
                            break;
                        }
                        symbol = (uint)(child - LeafBase);
                        flags |= Emit;
                        node = 0;
                    }
                    transitions[start * 16 + nibble] = flags | (symbol << 8) | (uint)node;
                }
            }

            var endings = new Ending[NodeCount];
            for (var node = 0; node < NodeCount; node++)
            {
                endings[node] = !allOnes[node] ? Ending.PaddingNotOnes : depth[node] > 7 ? Ending.PaddingTooLong : Ending.Valid;
            }
            return new DecodeTable(transitions, endings);
        }
    }
}
