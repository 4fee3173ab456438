using System.Buffers.Binary;
using System.IO.Compression;

namespace Saol.Data.FashionMnist.Internal;

/// <summary>An IDX file of unsigned bytes: its dimensions and its data.</summary>
internal sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>
/// Reads IDX files (LeCun's MNIST format): a big-endian magic of two zero bytes, a type code and a
/// rank, then one big-endian int32 per dimension, then the data. Only the unsigned-byte type (0x08)
/// occurs in (Fashion-)MNIST; gzip is recognised by its magic, not by the file name.
/// </summary>
internal static class IdxReader
{
    private const byte UnsignedByteType = 0x08;

    public static IdxArray Read(string path, int expectedRank)
    {
        using var file = File.OpenRead(path);
        using var stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        return Read(stream, expectedRank, path);
    }

    public static IdxArray Read(Stream stream, int expectedRank, string name)
    {
        Span<byte> magic = stackalloc byte[4];
        ReadExactly(stream, magic, name);
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new InvalidDataException($"{name}: not an IDX file (magic {Convert.ToHexString(magic)})");
        }
        if (magic[2] != UnsignedByteType)
        {
            throw new InvalidDataException($"{name}: IDX element type 0x{magic[2]:x2} is not unsigned byte (0x08)");
        }
        if (magic[3] != expectedRank)
        {
            throw new InvalidDataException($"{name}: IDX rank {magic[3]}, expected {expectedRank}");
        }
        var dims = new int[expectedRank];
        Span<byte> word = stackalloc byte[4];
        long total = 1;
        for (var i = 0; i < dims.Length; i++)
        {
            ReadExactly(stream, word, name);
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dims[i] < 0)
            {
                throw new InvalidDataException($"{name}: negative dimension {dims[i]}");
            }
            total *= dims[i];
        }
        if (total > Array.MaxLength)
        {
            throw new InvalidDataException($"{name}: {total} elements do not fit in one array");
        }
        var data = new byte[total];
        ReadExactly(stream, data, name);
        return new IdxArray(dims, data);
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> head = stackalloc byte[2];
        var n = file.Read(head);
        file.Position = 0;
        return n == 2 && head[0] == 0x1f && head[1] == 0x8b;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string name)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{name}: truncated IDX file", e);
        }
    }
}
