using System.Text;
using Saol.Rpc.Http2.Hpack;

namespace Saol.Rpc.Tests.Http2;

/// <summary>RFC 7541: the Appendix C examples byte for byte, the Huffman code, every decoding error, and seeded fuzzing.</summary>
public sealed class HpackTests
{
    private static readonly (string Name, string Value)[] s_firstRequest =
    [
        (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"),
    ];

    private static readonly (string Name, string Value)[] s_secondRequest =
    [
        (":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache"),
    ];

    private static readonly (string Name, string Value)[] s_thirdRequest =
    [
        (":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value"),
    ];

    private const string Date21 = "Mon, 21 Oct 2013 20:13:21 GMT";
    private const string Date22 = "Mon, 21 Oct 2013 20:13:22 GMT";
    private const string Location = "https://www.example.com";
    private const string Cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

    private static readonly (string Name, string Value)[] s_firstResponse =
    [
        (":status", "302"), ("cache-control", "private"), ("date", Date21), ("location", Location),
    ];

    private static readonly (string Name, string Value)[] s_secondResponse =
    [
        (":status", "307"), ("cache-control", "private"), ("date", Date21), ("location", Location),
    ];

    private static readonly (string Name, string Value)[] s_thirdResponse =
    [
        (":status", "200"), ("cache-control", "private"), ("date", Date22), ("location", Location), ("content-encoding", "gzip"), ("set-cookie", Cookie),
    ];

    // Appendix C blocks, for the fuzzer to mutate.
    private static readonly string[] s_examples =
    [
        "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
        "040c2f73616d706c652f70617468",
        "100870617373776f726406736563726574",
        "82",
        "828684410f7777772e6578616d706c652e636f6d",
        "828684be58086e6f2d6361636865",
        "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
        "828684418cf1e3c2e5f23a6ba0ab90f4ff",
        "828684be5886a8eb10649cbf",
        "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
        "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d",
        "4803333037c1c0bf",
        "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d415344" +
        "4a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31",
        "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
        "4883640effc1c0bf",
        "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
    ];

    [Fact]
    public void Decode_C21_LiteralWithIndexing_AddsToTable()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
            [("custom-key", "custom-header")], [("custom-key", "custom-header")], 55);
    }

    [Fact]
    public void Decode_C22_LiteralWithoutIndexing_TableStaysEmpty()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "040c 2f73 616d 706c 652f 7061 7468", [(":path", "/sample/path")], [], 0);
    }

    [Fact]
    public void Decode_C23_LiteralNeverIndexed_TableStaysEmpty()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "1008 7061 7373 776f 7264 0673 6563 7265 74", [("password", "secret")], [], 0);
    }

    [Fact]
    public void Decode_C24_IndexedStatic_TableStaysEmpty()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "82", [(":method", "GET")], [], 0);
    }

    [Fact]
    public void Decode_C3_RequestsWithoutHuffman_TableAfterEachBlock()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            s_firstRequest, [(":authority", "www.example.com")], 57);
        AssertBlock(decoder, "8286 84be 5808 6e6f 2d63 6163 6865",
            s_secondRequest, [("cache-control", "no-cache"), (":authority", "www.example.com")], 110);
        AssertBlock(decoder, "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
            s_thirdRequest, [("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")], 164);
    }

    [Fact]
    public void Decode_C4_RequestsWithHuffman_TableAfterEachBlock()
    {
        var decoder = new HpackDecoder();
        AssertBlock(decoder, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
            s_firstRequest, [(":authority", "www.example.com")], 57);
        AssertBlock(decoder, "8286 84be 5886 a8eb 1064 9cbf",
            s_secondRequest, [("cache-control", "no-cache"), (":authority", "www.example.com")], 110);
        AssertBlock(decoder, "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
            s_thirdRequest, [("custom-key", "custom-value"), ("cache-control", "no-cache"), (":authority", "www.example.com")], 164);
    }

    [Fact]
    public void Decode_C5_ResponsesWithoutHuffman_EvictAtSize256()
    {
        var decoder = new HpackDecoder(maxDynamicTableSize: 256);
        AssertBlock(decoder,
            "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 " +
            "2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            s_firstResponse, [("location", Location), ("date", Date21), ("cache-control", "private"), (":status", "302")], 222);
        AssertBlock(decoder, "4803 3330 37c1 c0bf",
            s_secondResponse, [(":status", "307"), ("location", Location), ("date", Date21), ("cache-control", "private")], 222);
        AssertBlock(decoder,
            "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d " +
            "54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 " +
            "5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
            s_thirdResponse, [("set-cookie", Cookie), ("content-encoding", "gzip"), ("date", Date22)], 215);
    }

    [Fact]
    public void Decode_C6_ResponsesWithHuffman_EvictAtSize256()
    {
        var decoder = new HpackDecoder(maxDynamicTableSize: 256);
        AssertBlock(decoder,
            "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 " +
            "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
            s_firstResponse, [("location", Location), ("date", Date21), ("cache-control", "private"), (":status", "302")], 222);
        AssertBlock(decoder, "4883 640e ffc1 c0bf",
            s_secondResponse, [(":status", "307"), ("location", Location), ("date", Date21), ("cache-control", "private")], 222);
        AssertBlock(decoder,
            "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab " +
            "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f " +
            "9587 3160 65c0 03ed 4ee5 b106 3d50 07",
            s_thirdResponse, [("set-cookie", Cookie), ("content-encoding", "gzip"), ("date", Date22)], 215);
    }

    [Fact]
    public void Decode_SizeUpdateAtStart_EvictsAndRestores()
    {
        var decoder = new HpackDecoder();
        Decode(decoder, "828684410f7777772e6578616d706c652e636f6d");
        Assert.Equal(1, decoder.DynamicTable.Count);

        // Two updates at the start of one block (RFC 7541 4.2): down to 0, then back to the maximum of 4096.
        var headers = Decode(decoder, "20 3fe11f 82");
        Assert.Equal([new(":method", "GET")], headers);
        Assert.Equal(0, decoder.DynamicTable.Count);
        Assert.Equal(0, decoder.DynamicTable.Size);
        Assert.Equal(4096, decoder.DynamicTable.MaxSize);
    }

    [Fact]
    public void DynamicTable_EntryLargerThanTable_EmptiesIt()
    {
        var table = new DynamicTable(100);
        table.Add(new HeaderField("a", "b"));
        table.Add(new HeaderField("c", "d"));
        Assert.Equal(2, table.Count);
        Assert.Equal(68, table.Size);

        table.Add(new HeaderField("big", new string('x', 70)));
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.Size);
    }

    [Fact]
    public void DynamicTable_ManyInsertions_KeepsNewestWithinMaxSize()
    {
        var table = new DynamicTable(4096);
        for (var i = 0; i < 1000; i++)
        {
            table.Add(new HeaderField("k", i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(table.Size <= table.MaxSize);
        }
        Assert.Equal(4096 / 37, table.Count);
        Assert.Equal("0999", table[0].Value);
        Assert.Equal((999 - table.Count + 1).ToString("D4", System.Globalization.CultureInfo.InvariantCulture), table[table.Count - 1].Value);

        table.SetMaxSize(74);
        Assert.Equal(2, table.Count);
        Assert.Equal("0999", table[0].Value);
        Assert.Equal("0998", table[1].Value);
    }

    [Fact]
    public void StaticTable_Ends_MatchAppendixA()
    {
        Assert.Equal(new HeaderField(":authority", ""), StaticTable.Get(1));
        Assert.Equal(new HeaderField(":method", "POST"), StaticTable.Get(3));
        Assert.Equal(new HeaderField(":status", "200"), StaticTable.Get(8));
        Assert.Equal(new HeaderField("accept-encoding", "gzip, deflate"), StaticTable.Get(16));
        Assert.Equal(new HeaderField("www-authenticate", ""), StaticTable.Get(61));
    }

    [Theory]
    [InlineData("ff", "truncated")]
    [InlineData("ff80", "truncated")]
    [InlineData("3f", "truncated")]
    [InlineData("40", "truncated")]
    [InlineData("0f", "truncated")]
    [InlineData("400a6375", "truncated")]
    [InlineData("400a637573746f6d2d6b6579", "truncated")]
    [InlineData("04", "truncated")]
    [InlineData("047f", "truncated")]
    [InlineData("04057061", "truncated")]
    [InlineData("ffffffffff0f", "overflow")]
    [InlineData("fff8ffffff07", "overflow")]
    [InlineData("ff8080808080800000", "overflow")]
    [InlineData("0001617fffffffff07", "overflow")]
    [InlineData("80", "index 0")]
    [InlineData("be", "out of range")]
    [InlineData("ff00", "out of range")]
    [InlineData("7f0000", "out of range")]
    [InlineData("0f3000", "out of range")]
    [InlineData("00016184ffffffff", "EOS")]
    [InlineData("000161821fff", "padding longer than 7 bits")]
    [InlineData("0001618118", "padding is not all ones")]
    [InlineData("000161811f", null)]
    [InlineData("8220", "start of the block")]
    [InlineData("04026869 3fe11f", "start of the block")]
    [InlineData("3fe21f", "above the maximum")]
    [InlineData("3fe11f 3fe21f", "above the maximum")]
    [InlineData("00014100", "uppercase")]
    [InlineData("00064d6574686f6400", "uppercase")]
    [InlineData("4001610162", null)]
    public void Decode_Malformed_ThrowsHpackExceptionNamingTheProblem(string hex, string? problem)
    {
        var decoder = new HpackDecoder();
        if (problem is null)
        {
            // The control case next to a failing one: this block is valid.
            Decode(decoder, hex);
            return;
        }
        var error = Assert.Throws<HpackException>(() => Decode(decoder, hex));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_HuffmanUppercaseName_Throws()
    {
        var block = new List<byte> { 0x00 };
        var name = Huffman.Encode("X-Trace"u8);
        block.Add((byte)(0x80 | name.Length));
        block.AddRange(name);
        block.Add(0x00);
        var error = Assert.Throws<HpackException>(() => new HpackDecoder().Decode(block.ToArray(), []));
        Assert.Contains("uppercase", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_HeaderListAtLimit_DecodesAndOneMoreOctetThrows()
    {
        // :method GET is 7 + 3 + 32 = 42 octets.
        Assert.Equal(2, Decode(new HpackDecoder(maxHeaderListSize: 84), "8282").Count);
        var error = Assert.Throws<HpackException>(() => Decode(new HpackDecoder(maxHeaderListSize: 83), "8282"));
        Assert.Contains("header list too large", error.Message, StringComparison.Ordinal);

        var literal = new List<byte>();
        HpackEncoder.WriteLiteral("a", new string('v', 70), literal);
        error = Assert.Throws<HpackException>(() => new HpackDecoder(maxHeaderListSize: 100).Decode(literal.ToArray(), []));
        Assert.Contains("header list too large", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_HeaderListLimit_IsPerBlock()
    {
        var decoder = new HpackDecoder(maxHeaderListSize: 84);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(2, Decode(decoder, "8282").Count);
        }
    }

    [Fact]
    public void Encoder_WriteLiteral_MatchesC22ShapeAndRoundTrips()
    {
        var block = new List<byte>();
        HpackEncoder.WriteLiteral("custom-key", "custom-header", block);
        Assert.Equal(Hex("000a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"), block.ToArray());

        var longValue = new string(Enumerable.Range(0, 5000).Select(i => (char)(i % 256)).ToArray());
        HpackEncoder.WriteLiteral("grpc-message", longValue, block);
        HpackEncoder.WriteLiteral("empty", "", block);
        HpackEncoder.WriteIndexed(3, block);
        HpackEncoder.WriteIndexed(6, block);
        HpackEncoder.WriteIndexed(8, block);

        var decoder = new HpackDecoder();
        var headers = new List<KeyValuePair<string, string>>();
        decoder.Decode(block.ToArray(), headers);
        Assert.Equal(
            [
                new("custom-key", "custom-header"), new("grpc-message", longValue), new("empty", ""),
                new(":method", "POST"), new(":scheme", "http"), new(":status", "200"),
            ],
            headers);
        Assert.Equal(0, decoder.DynamicTable.Count);
    }

    [Fact]
    public void Encoder_WriteIndexed_OneOctet()
    {
        var block = new List<byte>();
        HpackEncoder.WriteIndexed(3, block);
        HpackEncoder.WriteIndexed(61, block);
        Assert.Equal(new byte[] { 0x83, 0xbd }, block.ToArray());
    }

    [Fact]
    public void Encoder_InvalidArguments_ThrowAndWriteNothing()
    {
        var block = new List<byte>();
        Assert.Throws<ArgumentException>(() => HpackEncoder.WriteLiteral("Content-Type", "x", block));
        Assert.Throws<ArgumentException>(() => HpackEncoder.WriteLiteral("caf\u00e9", "x", block));
        Assert.Throws<ArgumentException>(() => HpackEncoder.WriteLiteral("", "x", block));
        Assert.Throws<ArgumentException>(() => HpackEncoder.WriteLiteral("x", "\u20ac", block));
        Assert.Throws<ArgumentOutOfRangeException>(() => HpackEncoder.WriteIndexed(0, block));
        Assert.Throws<ArgumentOutOfRangeException>(() => HpackEncoder.WriteIndexed(62, block));
        Assert.Empty(block);
    }

    [Theory]
    [InlineData(10, 5, "0a")]
    [InlineData(1337, 5, "1f9a0a")]
    [InlineData(42, 8, "2a")]
    [InlineData(31, 5, "1f00")]
    [InlineData(int.MaxValue, 7, "7f80ffffff07")]
    public void Encoder_WriteInteger_C1Examples(int value, int prefixBits, string hex)
    {
        var block = new List<byte>();
        HpackEncoder.WriteInteger(value, prefixBits, 0, block);
        Assert.Equal(Hex(hex), block.ToArray());
    }

    [Fact]
    public void Decode_LargestIndex_IsOutOfRangeNotOverflow()
    {
        // int.MaxValue itself is a valid integer; it just names no entry.
        var error = Assert.Throws<HpackException>(() => Decode(new HpackDecoder(), "ff80ffffff07"));
        Assert.Contains("out of range", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("www.example.com", "f1e3c2e5f23a6ba0ab90f4ff")]
    [InlineData("no-cache", "a8eb10649cbf")]
    [InlineData("custom-key", "25a849e95ba97d7f")]
    [InlineData("custom-value", "25a849e95bb8e8b4bf")]
    [InlineData("302", "6402")]
    [InlineData("307", "640eff")]
    [InlineData("private", "aec3771a4b")]
    [InlineData(Date21, "d07abe941054d444a8200595040b8166e082a62d1bff")]
    [InlineData(Date22, "d07abe941054d444a8200595040b8166e084a62d1bff")]
    [InlineData(Location, "9d29ad171863c78f0b97c8e9ae82ae43d3")]
    [InlineData("gzip", "9bd9ab")]
    [InlineData(Cookie, "94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007")]
    [InlineData("", "")]
    public void Huffman_AppendixCStrings_EncodeAndDecode(string text, string hex)
    {
        Assert.Equal(Hex(hex), Huffman.Encode(Encoding.Latin1.GetBytes(text)));
        Assert.Equal(hex.Length / 2, Huffman.EncodedLength(Encoding.Latin1.GetBytes(text)));
        Assert.Equal(text, Huffman.Decode(Hex(hex)));
    }

    [Fact]
    public void Huffman_Every_ByteValue_RoundTrips()
    {
        var all = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            all[i] = (byte)i;
            var single = new[] { (byte)i };
            Assert.Equal(((char)i).ToString(), Huffman.Decode(Huffman.Encode(single)));
        }
        Assert.Equal(Encoding.Latin1.GetString(all), Huffman.Decode(Huffman.Encode(all)));
        Array.Reverse(all);
        Assert.Equal(Encoding.Latin1.GetString(all), Huffman.Decode(Huffman.Encode(all)));
    }

    [Fact]
    public void Huffman_RandomStrings_RoundTrip()
    {
        var random = new Random(7541);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, i % 10 == 0 ? 2000 : 40)];
            random.NextBytes(bytes);
            if (i % 2 == 0)
            {
                // Header-like text uses the short codes, which stress the several-symbols-per-octet paths.
                for (var j = 0; j < bytes.Length; j++)
                {
                    bytes[j] = (byte)random.Next(0x20, 0x7f);
                }
            }
            Assert.Equal(Encoding.Latin1.GetString(bytes), Huffman.Decode(Huffman.Encode(bytes)));
        }
    }

    [Fact]
    public void Huffman_PaddingUpToSevenOnes_AcceptedEightRejected()
    {
        // '0' is 00000: three ones of padding; a whole extra octet of ones makes eleven.
        Assert.Equal("0", Huffman.Decode([0x07]));
        Assert.Throws<HpackException>(() => Huffman.Decode([0x07, 0xff]));
        // A lone octet of ones is eight bits of padding and no symbol.
        Assert.Throws<HpackException>(() => Huffman.Decode([0xff]));
        // EOS (thirty ones) followed by two padding ones.
        Assert.Throws<HpackException>(() => Huffman.Decode([0xff, 0xff, 0xff, 0xff]));
    }

    [Fact]
    public void Fuzz_RandomAndMutatedBlocks_DecodeOrHpackExceptionOnly()
    {
        var random = new Random(20260107);
        var examples = s_examples.Select(Hex).ToArray();
        var decoded = 0;
        var rejected = 0;
        for (var i = 0; i < 2000; i++)
        {
            byte[] block;
            if (i % 4 == 0)
            {
                block = new byte[random.Next(0, 48)];
                random.NextBytes(block);
            }
            else
            {
                var list = examples[random.Next(examples.Length)].ToList();
                var mutations = random.Next(1, 4);
                for (var m = 0; m < mutations && list.Count > 0; m++)
                {
                    var at = random.Next(list.Count);
                    switch (random.Next(5))
                    {
                        case 0:
                            list[at] = (byte)random.Next(256);
                            break;
                        case 1:
                            list[at] ^= (byte)(1 << random.Next(8));
                            break;
                        case 2:
                            list.RemoveRange(at, list.Count - at);
                            break;
                        case 3:
                            list.Insert(at, (byte)random.Next(256));
                            break;
                        default:
                            list.RemoveAt(at);
                            break;
                    }
                }
                block = list.ToArray();
            }

            // Half the blocks reach a decoder whose dynamic table already holds entries.
            var decoder = new HpackDecoder(maxDynamicTableSize: random.Next(2) == 0 ? 256 : 4096, maxHeaderListSize: 1024);
            if (i % 2 == 1)
            {
                decoder.Decode(examples[10], []);
            }
            var headers = new List<KeyValuePair<string, string>>();
            try
            {
                decoder.Decode(block, headers);
                decoded++;
                Assert.True(decoder.DynamicTable.Size <= decoder.DynamicTable.MaxSize);
            }
            catch (HpackException)
            {
                rejected++;
            }
        }
        Assert.True(decoded > 100, $"{decoded} decoded");
        Assert.True(rejected > 100, $"{rejected} rejected");
    }

    private static void AssertBlock(HpackDecoder decoder, string hex, (string Name, string Value)[] expectedHeaders, (string Name, string Value)[] expectedTable, int expectedSize)
    {
        var headers = Decode(decoder, hex);
        Assert.Equal(expectedHeaders.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)), headers);
        var table = decoder.DynamicTable;
        var actualTable = Enumerable.Range(0, table.Count).Select(i => (table[i].Name, table[i].Value)).ToArray();
        Assert.Equal(expectedTable, actualTable);
        Assert.Equal(expectedSize, table.Size);
    }

    private static List<KeyValuePair<string, string>> Decode(HpackDecoder decoder, string hex)
    {
        var headers = new List<KeyValuePair<string, string>>();
        decoder.Decode(Hex(hex), headers);
        return headers;
    }

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}
