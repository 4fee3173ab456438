using System.Globalization;

namespace Saol.Models;

/// <summary>The head a model is evaluated with at test time.</summary>
public enum TestHead
{
    /// <summary>SAOL's output ŷ = Σ A·Y (for the <c>saol</c> head).</summary>
    Saol,

    /// <summary>The conventional GAP-FC head trained beside SAOL by self-distillation.</summary>
    GapFc,
}

/// <summary>
/// Options of the model factory, written as <c>key=value</c> pairs separated by <c>;</c>
/// (for example <c>blocks=2,3,4;separable=true;zero_gamma=true</c>). Unset options take the
/// architecture's default. The canonical text (<see cref="ToString"/>) is stored in model files.
/// </summary>
public sealed record ModelOptions
{
    /// <summary>1-based backbone blocks (stages) feeding SAOL's spatial logits. Defaults to the last three.</summary>
    public IReadOnlyList<int>? Blocks { get; init; }

    /// <summary>Depthwise-separable SAOL convolutions. Defaults to true for the ImageNet ResNets, false for CIFAR-size models.</summary>
    public bool? Separable { get; init; }

    /// <summary>Hidden channels of the attention and mask branches. Defaults to min(channels of the last block, 512).</summary>
    public int? AttentionChannels { get; init; }

    /// <summary>Zero-γ initialisation of every residual block's last BN (Goyal et al.). Defaults to false.</summary>
    public bool ZeroGamma { get; init; }

    /// <summary>The head evaluated at test time. Defaults to <see cref="TestHead.Saol"/> for the <c>saol</c> head.</summary>
    public TestHead TestHead { get; init; }

    /// <summary>Parses the <c>key=value;...</c> form; null or empty gives the defaults.</summary>
    /// <exception cref="FormatException">An unknown key or a malformed value.</exception>
    public static ModelOptions Parse(string? text)
    {
        var options = new ModelOptions();
        if (string.IsNullOrWhiteSpace(text))
        {
            return options;
        }
        foreach (var raw in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"model option '{raw}' is not key=value");
            }
            var key = raw[..eq].Trim();
            var value = raw[(eq + 1)..].Trim();
            options = key switch
            {
                "blocks" => options with { Blocks = ParseBlocks(value) },
                "separable" => options with { Separable = ParseBool(key, value) },
                "attention_channels" => options with { AttentionChannels = ParsePositive(key, value) },
                "zero_gamma" => options with { ZeroGamma = ParseBool(key, value) },
                "test_head" => options with { TestHead = value switch
                {
                    "saol" => TestHead.Saol,
                    "gapfc" => TestHead.GapFc,
                    _ => throw new FormatException($"test_head must be saol or gapfc, not '{value}'"),
                } },
                _ => throw new FormatException($"unknown model option '{key}' (known: blocks, separable, attention_channels, zero_gamma, test_head)"),
            };
        }
        return options;
    }

    /// <summary>The canonical <c>key=value;...</c> text of the options that are set.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Blocks is not null)
        {
            parts.Add("blocks=" + string.Join(',', Blocks.Select(b => b.ToString(CultureInfo.InvariantCulture))));
        }
        if (Separable is { } separable)
        {
            parts.Add("separable=" + (separable ? "true" : "false"));
        }
        if (AttentionChannels is { } channels)
        {
            parts.Add("attention_channels=" + channels.ToString(CultureInfo.InvariantCulture));
        }
        if (ZeroGamma)
        {
            parts.Add("zero_gamma=true");
        }
        if (TestHead != TestHead.Saol)
        {
            parts.Add("test_head=gapfc");
        }
        return string.Join(';', parts);
    }

    /// <inheritdoc />
    public bool Equals(ModelOptions? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    private static int[] ParseBlocks(string value)
    {
        var blocks = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => ParsePositive("blocks", v)).ToArray();
        if (blocks.Length == 0 || blocks.Distinct().Count() != blocks.Length || !blocks.SequenceEqual(blocks.Order()))
        {
            throw new FormatException($"blocks must be distinct increasing block numbers, not '{value}'");
        }
        return blocks;
    }

    private static bool ParseBool(string key, string value) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw new FormatException($"{key} must be true or false, not '{value}'"),
    };

    private static int ParsePositive(string key, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"{key} needs a positive integer, not '{value}'");
}
