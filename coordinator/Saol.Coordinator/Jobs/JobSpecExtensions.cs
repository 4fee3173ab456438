using Saol.Data.Sources;

namespace Saol.Coordinator.Jobs;

/// <summary>Derived values of a job spec.</summary>
public static class JobSpecExtensions
{
    /// <summary>The data set of the job.</summary>
    public static DatasetDescriptor DatasetDescriptor(this JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var d = spec.Dataset;
        if (JobSpecLoader.CanonicalKind(d.Kind) != "imagefolder")
        {
            return new DatasetDescriptor(d.Kind, d.Path, d.TrainLimit, d.TestLimit, spec.Seed, d.SyntheticTrainSize, d.SyntheticTestSize, d.SyntheticImageSize, d.SyntheticClasses);
        }
        var (train, val) = d.ImageFolderSplits();
        // The synthetic fields mean nothing here; zeros keep equal image folders equal (the worker caches by descriptor).
        return new DatasetDescriptor("imagefolder", train, d.TrainLimit, d.TestLimit, spec.Seed, 0, 0, 0, 0)
        {
            ValPath = val,
            ImageSize = d.ImageSize,
            Mean = d.Mean is [var mr, var mg, var mb] ? (mr, mg, mb) : null,
            Std = d.Std is [var sr, var sg, var sb] ? (sr, sg, sb) : null,
        };
    }

    /// <summary>
    /// The training and validation directories of an imagefolder data set: <see cref="DatasetSpec.TrainPath"/>
    /// and <see cref="DatasetSpec.ValPath"/>, else train/ and val/ under <see cref="DatasetSpec.Path"/>; null when neither is set.
    /// </summary>
    public static (string? Train, string? Val) ImageFolderSplits(this DatasetSpec data)
    {
        ArgumentNullException.ThrowIfNull(data);
        string? Under(string split) => string.IsNullOrWhiteSpace(data.Path) ? null : Path.Combine(data.Path, split);
        return (string.IsNullOrWhiteSpace(data.TrainPath) ? Under("train") : data.TrainPath, string.IsNullOrWhiteSpace(data.ValPath) ? Under("val") : data.ValPath);
    }

    /// <summary>The per-device batch of a full generation: the most an elastic generation may put on one device.</summary>
    public static int FullPerDeviceBatch(this JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Training.GlobalBatch / (spec.Cluster.Workers * spec.Cluster.DevicesPerWorker);
    }

    /// <summary>The fewest workers a generation may have.</summary>
    public static int MinimumWorkers(this JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Cluster.Elastic && spec.Cluster.MinWorkers > 0 ? spec.Cluster.MinWorkers : spec.Cluster.Workers;
    }
}
