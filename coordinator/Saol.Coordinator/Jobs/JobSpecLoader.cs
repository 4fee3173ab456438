using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Saol.Data.ImageFolder;
using Saol.Models;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Saol.Coordinator.Jobs;

/// <summary>Parses (YAML or JSON — JSON is read as YAML), validates and canonicalises job specs.</summary>
public static class JobSpecLoader
{
    /// <summary>The backbones the workers can build (the models library's architectures).</summary>
    public static IReadOnlySet<string> KnownBackbones { get; } = new HashSet<string>(ModelFactory.Architectures, StringComparer.Ordinal);

    /// <summary>The heads: SAOL, or the conventional GAP-FC trained beside it.</summary>
    public static IReadOnlySet<string> KnownHeads { get; } = new HashSet<string>(StringComparer.Ordinal) { "saol", "gapfc" };

    /// <summary>The data sets the workers can read.</summary>
    public static IReadOnlySet<string> KnownDatasets { get; } = new HashSet<string>(StringComparer.Ordinal) { "fashion-mnist", "synthetic", "imagefolder" };

    /// <summary>The smallest and largest imagefolder crop side: five stride-2 stages leave a 1×1 map at 32; beyond 1024 a batch no longer fits.</summary>
    public const int MinImageSize = 32, MaxImageSize = 1024;

    /// <summary>The name a data-set kind is known by: "imagenet" (the ImageNet tree in ImageFolder layout) is "imagefolder", the rest are themselves.</summary>
    public static string CanonicalKind(string? kind) => kind == "imagenet" ? "imagefolder" : kind ?? "";

    private static readonly IDeserializer s_yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Parses and validates a spec from YAML or JSON text.</summary>
    /// <exception cref="JobSpecException">The text does not parse, names an unknown field, or a value is invalid.</exception>
    public static JobSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        JobSpec? spec;
        try
        {
            spec = s_yaml.Deserialize<JobSpec?>(text);
        }
        catch (YamlException e)
        {
            // YamlDotNet names the property it does not know ("Property 'batch' not found on type ...").
            var inner = e.InnerException?.Message ?? e.Message;
            throw new JobSpecException([new JobSpecError($"line {e.Start.Line.ToString(CultureInfo.InvariantCulture)}", inner)]);
        }
        spec ??= new JobSpec();
        spec.Dataset.Kind = CanonicalKind(spec.Dataset.Kind);
        Validate(spec);
        return spec;
    }

    /// <summary>Reads and validates a spec file (.yaml, .yml or .json).</summary>
    public static JobSpec Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"job spec '{path}' not found", path);
        }
        return Parse(File.ReadAllText(path));
    }

    /// <summary>The canonical JSON form of a spec (snake_case keys, every field): what the coordinator stores and sends.</summary>
    public static string ToJson(JobSpec spec) => JsonSerializer.Serialize(spec, s_json);

    /// <summary>Validates a spec; throws one exception that lists every invalid field.</summary>
    /// <exception cref="JobSpecException">At least one field is invalid.</exception>
    public static void Validate(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<JobSpecError>();
        void Require(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.Add(new JobSpecError(field, message));
            }
        }

        Require(!string.IsNullOrWhiteSpace(spec.Name), "name", "must not be empty");

        Require(KnownBackbones.Contains(spec.Model.Backbone), "model.backbone", $"unknown model '{spec.Model.Backbone}' (known: {string.Join(", ", KnownBackbones)})");
        Require(KnownHeads.Contains(spec.Model.Head), "model.head", $"unknown head '{spec.Model.Head}' (known: {string.Join(", ", KnownHeads)})");

        var data = spec.Dataset;
        var kind = CanonicalKind(data.Kind);
        Require(KnownDatasets.Contains(kind), "dataset.kind", $"unknown data set '{data.Kind}' (known: {string.Join(", ", KnownDatasets)}, and imagenet for imagefolder)");
        Require(spec.Model.NumClasses >= 0, "model.num_classes", "must be >= 0 (0 takes the data set's classes)");
        if (kind == "imagefolder")
        {
            ValidateImageFolder(spec, errors);
        }
        else if (kind is "fashion-mnist" or "synthetic" && spec.Model.NumClasses > 0 && errors.Count == 0)
        {
            var classes = spec.DatasetDescriptor().Shape().Classes;
            Require(spec.Model.NumClasses == classes, "model.num_classes", $"the {kind} data set has {classes} classes, got {spec.Model.NumClasses}");
        }
        if (kind == "fashion-mnist")
        {
            Require(!string.IsNullOrWhiteSpace(data.Path) && Directory.Exists(data.Path), "dataset.path", $"data set directory '{data.Path}' does not exist");
        }
        Require(data.TrainLimit >= 0, "dataset.train_limit", "must be >= 0");
        Require(data.TestLimit >= 0, "dataset.test_limit", "must be >= 0");
        if (kind == "synthetic")
        {
            Require(data.SyntheticTrainSize > 0, "dataset.synthetic_train_size", "must be > 0");
            Require(data.SyntheticTestSize > 0, "dataset.synthetic_test_size", "must be > 0");
            Require(data.SyntheticImageSize is >= 8 and <= 256, "dataset.synthetic_image_size", "must be between 8 and 256");
            Require(data.SyntheticClasses is >= 2 and <= 64, "dataset.synthetic_classes", "must be between 2 and 64");
        }

        var t = spec.Training;
        Require(t.GlobalBatch > 0, "training.global_batch", "must be > 0");
        Require(t.Epochs > 0, "training.epochs", "must be > 0");
        Require(t.MaxSteps >= 0, "training.max_steps", "must be >= 0");
        Require(t.BaseLr > 0 && double.IsFinite(t.BaseLr), "training.base_lr", $"learning rate must be positive (got {t.BaseLr.ToString(CultureInfo.InvariantCulture)})");
        Require(t.BaseBatch > 0, "training.base_batch", "must be > 0");
        Require(t.WarmupEpochs >= 0 && t.WarmupEpochs <= t.Epochs, "training.warmup_epochs", "must be between 0 and training.epochs");
        Require(t.Schedule is "step" or "cosine", "training.schedule", $"unknown schedule '{t.Schedule}' (known: step, cosine)");
        Require(t.Milestones.All(m => m > 0) && t.Milestones.SequenceEqual(t.Milestones.Order().Distinct()), "training.milestones", "must be positive epochs in increasing order");
        Require(t.Momentum is >= 0 and < 1, "training.momentum", "must be in [0, 1)");
        Require(!t.Nesterov || t.Momentum > 0, "training.nesterov", "Nesterov momentum needs training.momentum > 0");
        Require(t.WeightDecay >= 0, "training.weight_decay", "must be >= 0");

        Require(spec.CutMix.Probability is >= 0 and <= 1, "cut_mix.probability", "must be in [0, 1]");
        Require(spec.CutMix.Beta > 0, "cut_mix.beta", "must be > 0");

        var l = spec.Loss;
        Require(l.Sl >= 0, "loss.sl", "must be >= 0");
        Require(l.Ss1 >= 0, "loss.ss1", "must be >= 0");
        Require(l.Ss2 >= 0, "loss.ss2", "must be >= 0");
        Require(l.Sd >= 0, "loss.sd", "must be >= 0");
        Require(l.SdBeta >= 0, "loss.sd_beta", "must be >= 0");

        var c = spec.Cluster;
        Require(c.Workers > 0, "cluster.workers", "must be > 0");
        Require(c.DevicesPerWorker > 0, "cluster.devices_per_worker", "must be > 0");
        Require(c.Device is "cpu" or "cuda", "cluster.device", $"unknown device '{c.Device}' (known: cpu, cuda)");
        Require(c.MinWorkers >= 0 && c.MinWorkers <= c.Workers, "cluster.min_workers", "must be between 0 and cluster.workers");
        if (t.GlobalBatch > 0 && c.Workers > 0 && c.DevicesPerWorker > 0)
        {
            var replicas = c.Workers * c.DevicesPerWorker;
            Require(t.GlobalBatch % replicas == 0, "training.global_batch",
                $"{t.GlobalBatch} is not divisible by cluster.workers × cluster.devices_per_worker = {c.Workers} × {c.DevicesPerWorker} = {replicas}");
            if (c.Elastic)
            {
                // Every generation size the job may run with must split the batch too (with accumulation).
                for (var w = Math.Max(1, c.MinWorkers); w < c.Workers; w++)
                {
                    try
                    {
                        _ = ShardPlan.Create(t.GlobalBatch, w, c.DevicesPerWorker, elastic: true, t.GlobalBatch / replicas);
                    }
                    catch (JobSpecException e)
                    {
                        errors.Add(new JobSpecError("training.global_batch", $"with {w} workers (cluster.min_workers): {e.Errors[0].Message}"));
                        break;
                    }
                }
            }
        }

        var k = spec.Checkpoint;
        Require(!string.IsNullOrWhiteSpace(k.Directory), "checkpoint.directory", "must not be empty");
        Require(k.EverySteps >= 0, "checkpoint.every_steps", "must be >= 0");
        Require(k.KeepLast >= 0, "checkpoint.keep_last", "must be >= 0 (0 keeps all)");

        if (errors.Count > 0)
        {
            throw new JobSpecException(errors);
        }
    }

    private static void ValidateImageFolder(JobSpec spec, List<JobSpecError> errors)
    {
        var data = spec.Dataset;
        var (train, val) = data.ImageFolderSplits();
        var trainClasses = FindClasses(train, "dataset.train_path", errors);
        var valClasses = FindClasses(val, "dataset.val_path", errors);
        if (trainClasses is not null && valClasses is not null && !trainClasses.SequenceEqual(valClasses, StringComparer.Ordinal))
        {
            static string Few(IEnumerable<string> names)
            {
                var list = names.ToList();
                return list.Count == 0 ? "none" : string.Join(", ", list.Take(5)) + (list.Count > 5 ? $" … ({list.Count} in all)" : "");
            }
            errors.Add(new JobSpecError("dataset.val_path",
                $"the classes of '{val}' ({valClasses.Count}) differ from those of '{train}' ({trainClasses.Count}): only in train: {Few(trainClasses.Except(valClasses))}; only in val: {Few(valClasses.Except(trainClasses))}"
                + " (the validation images must be sorted into the same class sub-directories)"));
        }
        if (trainClasses is not null && spec.Model.NumClasses > 0 && spec.Model.NumClasses != trainClasses.Count)
        {
            errors.Add(new JobSpecError("model.num_classes", $"the training split '{train}' has {trainClasses.Count} classes, got {spec.Model.NumClasses}"));
        }
        if (data.ImageSize is < MinImageSize or > MaxImageSize)
        {
            errors.Add(new JobSpecError("dataset.image_size", $"must be between {MinImageSize} and {MaxImageSize} pixels, got {data.ImageSize}"));
        }
        if (data.Mean.Count is not (0 or 3) || data.Mean.Any(m => !float.IsFinite(m)))
        {
            errors.Add(new JobSpecError("dataset.mean", $"needs 3 finite values (R, G, B) or none for ImageNet's, got {data.Mean.Count}"));
        }
        if (data.Std.Count is not (0 or 3) || data.Std.Any(s => !(s > 0) || !float.IsFinite(s)))
        {
            errors.Add(new JobSpecError("dataset.std", $"needs 3 positive finite values (R, G, B) or none for ImageNet's, got {data.Std.Count}"));
        }
    }

    private static IReadOnlyList<string>? FindClasses(string? directory, string field, List<JobSpecError> errors)
    {
        if (directory is null)
        {
            errors.Add(new JobSpecError(field, $"not set: give {field} or dataset.path (whose {(field.EndsWith("train_path", StringComparison.Ordinal) ? "train" : "val")}/ sub-directory is used)"));
            return null;
        }
        if (!Directory.Exists(directory))
        {
            errors.Add(new JobSpecError(field, $"image directory '{directory}' does not exist"));
            return null;
        }
        try
        {
            return ImageFolderDataset.FindClasses(directory);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            errors.Add(new JobSpecError(field, e.Message));
            return null;
        }
    }
}
