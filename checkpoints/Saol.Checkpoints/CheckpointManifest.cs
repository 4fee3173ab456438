using System.Text.Json;
using System.Text.Json.Serialization;

namespace Saol.Checkpoints;

/// <summary>
/// manifest.json of a checkpoint: everything needed to resume exactly, plus the sha256 of every file.
/// Serialised with snake_case keys (see checkpoints/README.md for the full format).
/// </summary>
public sealed class CheckpointManifest
{
    /// <summary>The manifest format; readers refuse versions they do not know. Currently 1.</summary>
    public int FormatVersion { get; set; } = CurrentFormatVersion;

    /// <summary>The format this build writes.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The checkpoint's id, unique within its job (e.g. "step-00000120").</summary>
    public string CheckpointId { get; set; } = "";

    /// <summary>The job that wrote it.</summary>
    public string JobId { get; set; } = "";

    /// <summary>When it was written (UTC, ISO 8601).</summary>
    public DateTimeOffset CreatedUtc { get; set; }

    /// <summary>The job spec in its canonical JSON form.</summary>
    public JsonElement JobSpec { get; set; }

    /// <summary>Optimiser steps completed (the next step to run has this 0-based index).</summary>
    public long Step { get; set; }

    /// <summary>The epoch the next step belongs to (0-based).</summary>
    public int Epoch { get; set; }

    /// <summary>Where the data order resumes.</summary>
    public SamplerPosition Sampler { get; set; } = new();

    /// <summary>The random-number state.</summary>
    public RngState Rng { get; set; } = new();

    /// <summary>The learning-rate schedule at this step.</summary>
    public ScheduleState Schedule { get; set; } = new();

    /// <summary>The loss of every completed step (index = step), so a resumed run's curve can be compared with an uninterrupted one.</summary>
    public List<double> LossHistory { get; set; } = [];

    /// <summary>The last epoch-end evaluation before the checkpoint, or null.</summary>
    public CheckpointEvaluation? Evaluation { get; set; }

    /// <summary>Every payload file with its size and sha256.</summary>
    public List<CheckpointFile> Files { get; set; } = [];

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The manifest as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses a manifest.</summary>
    /// <exception cref="CheckpointCorruptException">The text is not a manifest of a known format.</exception>
    public static CheckpointManifest FromJson(string json)
    {
        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new CheckpointCorruptException($"manifest.json does not parse: {e.Message}", e);
        }
        if (manifest is null)
        {
            throw new CheckpointCorruptException("manifest.json is empty");
        }
        if (manifest.FormatVersion != CurrentFormatVersion)
        {
            throw new CheckpointCorruptException($"manifest format_version {manifest.FormatVersion} is not supported (expected {CurrentFormatVersion})");
        }
        return manifest;
    }
}

/// <summary>The data order's position: the sampler of <see cref="Epoch"/> resumes at per-rank sample <see cref="Offset"/>.</summary>
public sealed class SamplerPosition
{
    /// <summary>The epoch whose permutation is in use.</summary>
    public int Epoch { get; set; }

    /// <summary>Samples each rank has consumed in that epoch.</summary>
    public int Offset { get; set; }

    /// <summary>The world size the offset refers to.</summary>
    public int WorldSize { get; set; }

    /// <summary>The seed of the permutations.</summary>
    public long Seed { get; set; }
}

/// <summary>
/// The random state. Every random draw of a step (CutMix, dropout) is seeded from (seed, step, rank)
/// by a counter-based scheme, so the state is just the seed and the next counter.
/// </summary>
public sealed class RngState
{
    /// <summary>The scheme ("splitmix64-counter").</summary>
    public string Algorithm { get; set; } = "splitmix64-counter";

    /// <summary>The job seed.</summary>
    public long Seed { get; set; }

    /// <summary>The next counter value (the next step).</summary>
    public long Counter { get; set; }
}

/// <summary>The learning-rate schedule's parameters and its value at the checkpoint.</summary>
public sealed class ScheduleState
{
    /// <summary>"step" or "cosine".</summary>
    public string Kind { get; set; } = "step";

    /// <summary>base_lr.</summary>
    public double BaseLr { get; set; }

    /// <summary>base_lr × B / base_batch.</summary>
    public double PeakLr { get; set; }

    /// <summary>Warm-up steps.</summary>
    public long WarmupSteps { get; set; }

    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps { get; set; }

    /// <summary>Steps per epoch.</summary>
    public int StepsPerEpoch { get; set; }

    /// <summary>The rate of the next step.</summary>
    public double NextLr { get; set; }
}

/// <summary>One payload file of a checkpoint.</summary>
public sealed class CheckpointFile
{
    /// <summary>The file name inside the checkpoint directory.</summary>
    public string Name { get; set; } = "";

    /// <summary>Its size in bytes.</summary>
    public long Bytes { get; set; }

    /// <summary>Its sha256, lower-case hex.</summary>
    public string Sha256 { get; set; } = "";
}

/// <summary>Test accuracies of both heads at the last epoch end.</summary>
public sealed class CheckpointEvaluation
{
    /// <summary>Epochs completed when evaluated.</summary>
    public int Epoch { get; set; }

    /// <summary>Top-1 test accuracy of the SAOL head.</summary>
    public double AccuracySaol { get; set; }

    /// <summary>Top-1 test accuracy of the GAP-FC head.</summary>
    public double AccuracyGapFc { get; set; }
}
