using Saol.Data.Sampling;

namespace Saol.Coordinator.Jobs;

/// <summary>The length of a run, computed the same way by the coordinator and every worker.</summary>
public static class TrainingLength
{
    /// <summary>epochs × floor(N / B), capped by <c>training.max_steps</c> when that is set.</summary>
    public static long TotalSteps(JobSpec spec, int datasetSize)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var total = (long)spec.Training.Epochs * DistributedSampler.StepsPerEpoch(datasetSize, spec.Training.GlobalBatch);
        return spec.Training.MaxSteps > 0 ? Math.Min(total, spec.Training.MaxSteps) : total;
    }
}
