using Saol.Coordinator.Jobs;

namespace Saol.Coordinator.Scheduling;

/// <summary>
/// The learning rate of every optimiser step, after Goyal et al. (2017): the peak rate scales
/// linearly with the global batch (lr = base_lr × B / base_batch); during the first warm-up epochs
/// it rises linearly per iteration from base_lr to the peak; then it follows a step schedule
/// (÷10 at each milestone epoch) or a cosine decay to zero at the last step.
/// </summary>
public sealed class LearningRateSchedule
{
    /// <summary>Creates the schedule of a job whose epoch has <paramref name="stepsPerEpoch"/> optimiser steps.</summary>
    public LearningRateSchedule(TrainingSpec training, int stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepsPerEpoch);
        BaseLr = training.BaseLr;
        PeakLr = training.BaseLr * training.GlobalBatch / training.BaseBatch;
        StepsPerEpoch = stepsPerEpoch;
        WarmupSteps = (long)Math.Round(training.WarmupEpochs * stepsPerEpoch);
        TotalSteps = (long)training.Epochs * stepsPerEpoch;
        Cosine = training.Schedule == "cosine";
        Milestones = [.. training.Milestones];
    }

    /// <summary>base_lr: the rate warm-up starts from.</summary>
    public double BaseLr { get; }

    /// <summary>base_lr × B / base_batch: the rate reached at the end of warm-up.</summary>
    public double PeakLr { get; }

    /// <summary>Optimiser steps per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Optimiser steps of warm-up.</summary>
    public long WarmupSteps { get; }

    /// <summary>Optimiser steps of the whole run (epochs × steps per epoch).</summary>
    public long TotalSteps { get; }

    /// <summary>True for cosine decay after warm-up, false for the step schedule.</summary>
    public bool Cosine { get; }

    /// <summary>The epochs at which the step schedule divides by 10.</summary>
    public IReadOnlyList<int> Milestones { get; }

    /// <summary>The rate of optimiser step <paramref name="step"/> (0-based, counted over the whole run).</summary>
    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return BaseLr + ((PeakLr - BaseLr) * step / WarmupSteps);
        }
        if (Cosine)
        {
            var span = Math.Max(1, TotalSteps - WarmupSteps);
            var progress = Math.Min(1.0, (double)(step - WarmupSteps) / span);
            return PeakLr * 0.5 * (1 + Math.Cos(Math.PI * progress));
        }
        var epoch = step / StepsPerEpoch;
        var drops = Milestones.Count(m => epoch >= m);
        return PeakLr * Math.Pow(0.1, drops);
    }
}
