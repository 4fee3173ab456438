using System.Buffers.Binary;
using System.Text.Json;

namespace Saol.Torch.Serialization;

/// <summary>
/// Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header
/// with dtype, shape and data offsets per tensor plus optional string metadata, then the raw
/// little-endian data), readable by PyTorch/Hugging Face tooling. Tensor bytes are written from
/// and read into the tensors' own storage, with no intermediate buffer.
/// </summary>
public static class SafeTensors
{
    /// <summary>Headers larger than this are refused as corrupt (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>Writes <paramref name="tensors"/> (and optional string metadata) to a file.</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Save(tensors, stream, metadata);
    }

    /// <summary>Writes <paramref name="tensors"/> (and optional string metadata) to a stream, in name order.</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, Stream stream, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(stream);
        using var scope = torch.NewDisposeScope();
        var entries = new List<(string name, Tensor dense, long bytes)>(tensors.Count);
        foreach (var (name, tensor) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
            {
                throw new ArgumentException($"invalid tensor name '{name}'", nameof(tensors));
            }
            ArgumentNullException.ThrowIfNull(tensor, name);
            // The bytes come straight from the tensor when it is already a dense CPU tensor.
            var dense = tensor.detach().cpu().contiguous();
            entries.Add((name, dense, dense.numel() * dense.element_size()));
        }

        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, dense, bytes) in entries)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", DtypeName(dense.dtype));
                json.WriteStartArray("shape");
                foreach (var d in dense.shape)
                {
                    json.WriteNumberValue(d);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header.GetBuffer(), 0, (int)header.Length);
        foreach (var (_, dense, bytes) in entries)
        {
            if (bytes > 0)
            {
                stream.Write(dense.bytes);
            }
        }
        stream.Flush();
    }

    /// <summary>Reads every tensor of a file into new CPU tensors that the caller owns.</summary>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Reads every tensor and the string metadata of a file.</summary>
    public static Dictionary<string, Tensor> Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Load(stream, out metadata);
    }

    /// <summary>Reads every tensor and the string metadata from a stream.</summary>
    public static Dictionary<string, Tensor> Load(Stream stream, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var (entries, meta) = ReadHeader(stream);
        metadata = meta;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            long position = 0;
            foreach (var e in entries.OrderBy(e => e.Begin))
            {
                if (e.Begin != position)
                {
                    throw new InvalidDataException($"safetensors: tensor '{e.Name}' starts at {e.Begin}, expected {position} (gap or overlap in the data)");
                }
                if (result.ContainsKey(e.Name))
                {
                    throw new InvalidDataException($"safetensors: tensor '{e.Name}' appears twice");
                }
                var t = torch.empty(e.Shape, e.Dtype).DetachFromDisposeScope();
                result.Add(e.Name, t);
                var span = t.bytes;
                if (span.Length != e.End - e.Begin)
                {
                    throw new InvalidDataException($"safetensors: tensor '{e.Name}' has {e.End - e.Begin} bytes, its dtype and shape need {span.Length}");
                }
                try
                {
                    stream.ReadExactly(span);
                }
                catch (EndOfStreamException ex)
                {
                    throw new InvalidDataException($"safetensors: the file ends inside tensor '{e.Name}'", ex);
                }
                position = e.End;
            }
            return result;
        }
        catch
        {
            foreach (var t in result.Values)
            {
                t.Dispose();
            }
            throw;
        }
    }

    /// <summary>Reads only the string metadata of a file.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadHeader(stream).Metadata;
    }

    private sealed record Entry(string Name, ScalarType Dtype, long[] Shape, long Begin, long End);

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ReadHeader(Stream stream)
    {
        Span<byte> length = stackalloc byte[8];
        try
        {
            stream.ReadExactly(length);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("safetensors: the file is shorter than its 8-byte header length", ex);
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(length);
        if (headerLength > MaxHeaderBytes || headerLength < 2)
        {
            throw new InvalidDataException($"safetensors: implausible header length {headerLength}");
        }
        var header = new byte[headerLength];
        try
        {
            stream.ReadExactly(header);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("safetensors: the file ends inside its header", ex);
        }

        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("safetensors: the header is not valid JSON", ex);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("safetensors: the header is not a JSON object");
            }
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String
                            ? m.Value.GetString()!
                            : throw new InvalidDataException($"safetensors: metadata '{m.Name}' is not a string");
                    }
                    continue;
                }
                entries.Add(ParseEntry(property));
            }
        }
        return (entries, metadata);
    }

    private static Entry ParseEntry(JsonProperty property)
    {
        try
        {
            var v = property.Value;
            var dtype = ParseDtype(v.GetProperty("dtype").GetString() ?? "");
            var shape = v.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = v.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || shape.Any(d => d < 0))
            {
                throw new InvalidDataException($"safetensors: tensor '{property.Name}' has invalid shape or offsets");
            }
            return new Entry(property.Name, dtype, shape, offsets[0], offsets[1]);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"safetensors: tensor '{property.Name}' has a malformed header entry", ex);
        }
    }

    private static string DtypeName(ScalarType type) => type switch
    {
        ScalarType.Bool => "BOOL",
        ScalarType.Byte => "U8",
        ScalarType.Int8 => "I8",
        ScalarType.Int16 => "I16",
        ScalarType.Int32 => "I32",
        ScalarType.Int64 => "I64",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float32 => "F32",
        ScalarType.Float64 => "F64",
        _ => throw new NotSupportedException($"safetensors has no dtype for {type}"),
    };

    private static ScalarType ParseDtype(string name) => name switch
    {
        "BOOL" => ScalarType.Bool,
        "U8" => ScalarType.Byte,
        "I8" => ScalarType.Int8,
        "I16" => ScalarType.Int16,
        "I32" => ScalarType.Int32,
        "I64" => ScalarType.Int64,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "F32" => ScalarType.Float32,
        "F64" => ScalarType.Float64,
        _ => throw new InvalidDataException($"safetensors: unsupported dtype '{name}'"),
    };
}
