using System.Globalization;
using Saol.Models.Backbones.Internal;
using Saol.Torch;
using Saol.Torch.Serialization;
using static Saol.Torch.torch;

namespace Saol.Models;

/// <summary>The output heads a backbone can carry.</summary>
public enum HeadKind
{
    /// <summary><c>saol</c>: the Spatially Attentive Output Layer, with the GAP-FC head beside it for self-distillation.</summary>
    Saol,

    /// <summary><c>gapfc</c>: global average pooling and a fully connected layer (the conventional head).</summary>
    GapFc,

    /// <summary><c>cam</c>: GAP-FC plus class activation maps (Zhou et al., 2016).</summary>
    Cam,

    /// <summary><c>abn</c>: the attention branch network (Fukui et al., 2019).</summary>
    Abn,
}

/// <summary>
/// Builds networks from strings: an architecture (<c>resnet18</c>, <c>resnet34</c>, <c>resnet50</c>,
/// <c>resnet101</c>, <c>resnet152</c>, <c>resnet20</c>, <c>resnet56</c>, <c>resnet110</c>,
/// <c>wrn16-4</c>, <c>wrn28-10</c>, <c>wrn40-2</c>), a head (<c>saol</c>, <c>gapfc</c>, <c>cam</c>,
/// <c>abn</c>), a class count and <see cref="ModelOptions"/>; saves and loads them as safetensors
/// files whose metadata carries these strings.
/// </summary>
public static class ModelFactory
{
    private static readonly Dictionary<string, Func<Backbone>> s_backbones = new(StringComparer.Ordinal)
    {
        ["resnet18"] = () => new ResNet([2, 2, 2, 2], bottleneck: false),
        ["resnet34"] = () => new ResNet([3, 4, 6, 3], bottleneck: false),
        ["resnet50"] = () => new ResNet([3, 4, 6, 3], bottleneck: true),
        ["resnet101"] = () => new ResNet([3, 4, 23, 3], bottleneck: true),
        ["resnet152"] = () => new ResNet([3, 8, 36, 3], bottleneck: true),
        ["resnet20"] = () => new CifarResNet(20),
        ["resnet56"] = () => new CifarResNet(56),
        ["resnet110"] = () => new CifarResNet(110),
        ["wrn16-4"] = () => new WideResNet(16, 4),
        ["wrn28-10"] = () => new WideResNet(28, 10),
        ["wrn40-2"] = () => new WideResNet(40, 2),
    };

    /// <summary>Metadata keys of a model file.</summary>
    public const string ArchitectureKey = "arch", HeadKey = "head", ClassesKey = "classes", OptionsKey = "options";

    /// <summary>The architecture names <see cref="Create(string, string, int, ModelOptions?, long?)"/> accepts.</summary>
    public static IReadOnlyCollection<string> Architectures => s_backbones.Keys;

    /// <summary>The head names.</summary>
    public static IReadOnlyList<string> Heads { get; } = ["saol", "gapfc", "cam", "abn"];

    /// <summary>Parses a head name.</summary>
    public static HeadKind ParseHead(string head) => head switch
    {
        "saol" => HeadKind.Saol,
        "gapfc" => HeadKind.GapFc,
        "cam" => HeadKind.Cam,
        "abn" => HeadKind.Abn,
        _ => throw new ArgumentException($"unknown head '{head}' (known: {string.Join(", ", Heads)})", nameof(head)),
    };

    /// <summary>The name of a head.</summary>
    public static string HeadName(HeadKind head) => Heads[(int)head];

    /// <summary>Builds a freshly initialised network.</summary>
    /// <param name="arch">Architecture name.</param>
    /// <param name="head">Head name.</param>
    /// <param name="classes">Number of classes (≥ 2).</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <param name="seed">When set, seeds libtorch's generator first so the initial weights are reproducible.</param>
    public static SaolNetwork Create(string arch, string head, int classes, ModelOptions? options = null, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(arch);
        if (!s_backbones.TryGetValue(arch, out var backbone))
        {
            throw new ArgumentException($"unknown architecture '{arch}' (known: {string.Join(", ", s_backbones.Keys)})", nameof(arch));
        }
        var kind = ParseHead(head);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (seed is { } s)
        {
            manual_seed(s);
        }
        return new SaolNetwork(arch, kind, classes, options ?? new ModelOptions(), backbone());
    }

    /// <summary>The safetensors metadata describing <paramref name="network"/>.</summary>
    public static Dictionary<string, string> Metadata(SaolNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ArchitectureKey] = network.Architecture,
            [HeadKey] = HeadName(network.Head),
            [ClassesKey] = network.Classes.ToString(CultureInfo.InvariantCulture),
            [OptionsKey] = network.Options.ToString(),
        };
    }

    /// <summary>Writes the network's state dict (parameters and BN buffers) and its description to a safetensors file.</summary>
    public static void Save(SaolNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        SafeTensors.Save(network.state_dict(), path, Metadata(network));
    }

    /// <summary>Rebuilds a network from a file written by <see cref="Save"/> (or by the trainer's checkpoints), strictly.</summary>
    /// <exception cref="InvalidDataException">The metadata is missing or does not describe a known model.</exception>
    public static SaolNetwork Load(string path)
    {
        var tensors = SafeTensors.Load(path, out var metadata);
        try
        {
            return FromState(tensors, metadata, path);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Rebuilds a network from a state dict and the metadata describing it.</summary>
    public static SaolNetwork FromState(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        string Get(string key) => metadata.TryGetValue(key, out var v)
            ? v
            : throw new InvalidDataException($"{source}: metadata key '{key}' is missing (a model file carries arch, head, classes, options)");
        var arch = Get(ArchitectureKey);
        var head = Get(HeadKey);
        if (!int.TryParse(Get(ClassesKey), NumberStyles.None, CultureInfo.InvariantCulture, out var classes))
        {
            throw new InvalidDataException($"{source}: classes '{metadata[ClassesKey]}' is not a number");
        }
        ModelOptions options;
        try
        {
            options = ModelOptions.Parse(metadata.TryGetValue(OptionsKey, out var o) ? o : null);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        SaolNetwork network;
        try
        {
            network = Create(arch, head, classes, options);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        network.load_state_dict(tensors.ToDictionary(kv => kv.Key, kv => kv.Value), strict: true);
        return network;
    }
}
