using Saol.Coordinator.Jobs;
using Saol.Coordinator.Scheduling;
using Xunit;

namespace Saol.Coordinator.Tests;

public sealed class LearningRateScheduleTests
{
    // The ImageNet recipe of Goyal et al.: B = 4096, 0.1 per 256 -> 1.6; 5 warm-up epochs; ÷10 at 30, 60, 80.
    private static TrainingSpec Goyal(string schedule) => new()
    {
        GlobalBatch = 4096,
        BaseLr = 0.1,
        BaseBatch = 256,
        Epochs = 90,
        WarmupEpochs = 5,
        Schedule = schedule,
        Milestones = [30, 60, 80],
    };

    private const int StepsPerEpoch = 312; // floor(1,281,167 / 4096)

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(1, 0.1 + (1.5 / 1560))]
    [InlineData(780, 0.85)]
    [InlineData(1559, 0.1 + (1.5 * 1559 / 1560))]
    [InlineData(1560, 1.6)]
    [InlineData((30 * StepsPerEpoch) - 1, 1.6)]
    [InlineData(30 * StepsPerEpoch, 0.16)]
    [InlineData(60 * StepsPerEpoch, 0.016)]
    [InlineData((80 * StepsPerEpoch) + 5, 0.0016)]
    public void At_StepSchedule_MatchesTheFormula(long step, double expected)
    {
        var schedule = new LearningRateSchedule(Goyal("step"), StepsPerEpoch);
        Assert.Equal(1.6, schedule.PeakLr, 12);
        Assert.Equal(5 * StepsPerEpoch, schedule.WarmupSteps);
        Assert.Equal(expected, schedule.At(step), 12);
    }

    [Fact]
    public void At_Cosine_DecaysFromPeakToZeroAfterWarmup()
    {
        var schedule = new LearningRateSchedule(Goyal("cosine"), StepsPerEpoch);
        var warm = 5 * StepsPerEpoch;
        var total = 90 * StepsPerEpoch;
        Assert.Equal(0.85, schedule.At(warm / 2), 12);
        Assert.Equal(1.6, schedule.At(warm), 12);
        var quarter = warm + ((total - warm) / 4);
        Assert.Equal(1.6 * 0.5 * (1 + Math.Cos(Math.PI * (quarter - warm) / (total - warm))), schedule.At(quarter), 12);
        Assert.Equal(0.8, schedule.At(warm + ((total - warm) / 2)), 12);
        Assert.Equal(0.0, schedule.At(total), 12);
    }

    [Fact]
    public void At_NoWarmup_StartsAtThePeak()
    {
        var training = new TrainingSpec { GlobalBatch = 512, BaseLr = 0.1, BaseBatch = 256, Epochs = 2 };
        var schedule = new LearningRateSchedule(training, 10);
        Assert.Equal(0.2, schedule.At(0), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.At(-1));
    }
}
