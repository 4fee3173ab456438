using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Saol.Deploy.Tests;

/// <summary>
/// YAML as plain trees: mappings become <see cref="Dictionary{TKey, TValue}"/> of string keys, sequences
/// <see cref="List{T}"/>, scalars strings (no type guessing: "8" stays "8", as Kubernetes quantities are written).
/// </summary>
public static class Yaml
{
    private static readonly IDeserializer s_deserializer = new DeserializerBuilder().Build();

    /// <summary>Every document of a (multi-document) YAML text, empty documents skipped.</summary>
    public static IReadOnlyList<Dictionary<string, object?>> LoadAll(string text, string source)
    {
        var documents = new List<Dictionary<string, object?>>();
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            var raw = s_deserializer.Deserialize<object?>(parser);
            if (raw is null)
            {
                continue;
            }
            documents.Add(Normalize(raw) as Dictionary<string, object?> ?? throw new InvalidDataException($"{source}: a document is not a mapping"));
        }
        return documents;
    }

    public static Dictionary<string, object?> LoadOne(string path)
    {
        var docs = LoadAll(File.ReadAllText(path), path);
        return docs.Count == 1 ? docs[0] : throw new InvalidDataException($"{path}: expected one YAML document, found {docs.Count}");
    }

    private static object? Normalize(object? node) => node switch
    {
        IDictionary<object, object?> map => map.ToDictionary(kv => (string)kv.Key, kv => Normalize(kv.Value), StringComparer.Ordinal),
        IList<object?> list => list.Select(Normalize).ToList(),
        _ => node,
    };

    /// <summary>A deep copy, so a patch applied to one build never changes another.</summary>
    public static object? Clone(object? node) => node switch
    {
        Dictionary<string, object?> map => map.ToDictionary(kv => kv.Key, kv => Clone(kv.Value), StringComparer.Ordinal),
        List<object?> list => list.Select(Clone).ToList(),
        _ => node,
    };
}

/// <summary>Path access into YAML trees, with clear failures.</summary>
public static class YamlTree
{
    public static Dictionary<string, object?>? Map(this Dictionary<string, object?> node, string key) =>
        node.TryGetValue(key, out var v) ? v as Dictionary<string, object?> : null;

    public static List<object?> List(this Dictionary<string, object?> node, string key) =>
        node.TryGetValue(key, out var v) && v is List<object?> list ? list : [];

    public static IEnumerable<Dictionary<string, object?>> Maps(this Dictionary<string, object?> node, string key) =>
        node.List(key).OfType<Dictionary<string, object?>>();

    public static string? Str(this Dictionary<string, object?> node, string key) =>
        node.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>Follows a dotted path of mapping keys; null when any step is missing.</summary>
    public static object? At(this Dictionary<string, object?> node, string dottedPath)
    {
        object? current = node;
        foreach (var part in dottedPath.Split('.'))
        {
            if (current is not Dictionary<string, object?> map || !map.TryGetValue(part, out current))
            {
                return null;
            }
        }
        return current;
    }

    public static Dictionary<string, string> StringMap(this Dictionary<string, object?>? node) =>
        node?.ToDictionary(kv => kv.Key, kv => kv.Value as string ?? "", StringComparer.Ordinal) ?? new Dictionary<string, string>(StringComparer.Ordinal);
}
