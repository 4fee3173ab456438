using Saol.Checkpoints;

namespace Saol.Worker.Training;

/// <summary>What a trainer tells the outside world (the coordinator, over the worker session; a list in tests).</summary>
public interface ITrainingEvents
{
    /// <summary>One optimiser step finished (every rank reports; the session forwards rank 0's).</summary>
    Task StepCompletedAsync(StepReport report, CancellationToken cancellationToken);

    /// <summary>An epoch ended and both heads were evaluated on the test set.</summary>
    Task EvaluatedAsync(EvaluationReport report, CancellationToken cancellationToken);

    /// <summary>Rank 0 wrote a checkpoint (durable on disk, in <paramref name="writeSeconds"/>); the coordinator commits it to the catalog.</summary>
    Task CheckpointWrittenAsync(WrittenCheckpoint checkpoint, double writeSeconds, CancellationToken cancellationToken);
}

/// <summary>One finished optimiser step.</summary>
/// <param name="Step">Steps completed (1 after the first).</param>
/// <param name="Epoch">The epoch of the step (0-based).</param>
/// <param name="Loss">The mean loss over the global batch.</param>
/// <param name="LearningRate">The rate the step used.</param>
/// <param name="ImagesPerSecond">Global throughput of the step.</param>
/// <param name="Images">Images this worker processed in the step.</param>
/// <param name="Seconds">Wall time of the step.</param>
/// <param name="AllReduceSeconds">Time spent averaging the gradients over the ring.</param>
public sealed record StepReport(long Step, int Epoch, double Loss, double LearningRate, double ImagesPerSecond, int Images, double Seconds, double AllReduceSeconds);

/// <summary>An epoch-end evaluation.</summary>
/// <param name="Epoch">Epochs completed.</param>
/// <param name="Step">Steps completed.</param>
/// <param name="AccuracySaol">Top-1 test accuracy of the SAOL head.</param>
/// <param name="AccuracyGapFc">Top-1 test accuracy of the GAP-FC head.</param>
public sealed record EvaluationReport(int Epoch, long Step, double AccuracySaol, double AccuracyGapFc);
