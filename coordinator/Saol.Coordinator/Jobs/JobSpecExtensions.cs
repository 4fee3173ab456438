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
        return new DatasetDescriptor(d.Kind, d.Path, d.TrainLimit, d.TestLimit, spec.Seed, d.SyntheticTrainSize, d.SyntheticTestSize, d.SyntheticImageSize, d.SyntheticClasses);
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
