namespace Saol.Coordinator.Jobs;

/// <summary>
/// How the global batch is split in one generation: W workers × G devices × A accumulation
/// micro-steps × the per-device micro-batch = the global batch, exactly.
/// </summary>
/// <param name="GlobalBatch">The global batch B.</param>
/// <param name="Workers">Workers W of the generation.</param>
/// <param name="DevicesPerWorker">Devices G per worker.</param>
/// <param name="AccumulationSteps">Micro-steps A whose gradients are summed before one optimiser step.</param>
/// <param name="PerDeviceBatch">Images per device per micro-step.</param>
public sealed record ShardPlan(int GlobalBatch, int Workers, int DevicesPerWorker, int AccumulationSteps, int PerDeviceBatch)
{
    /// <summary>Images each worker consumes per optimiser step.</summary>
    public int PerWorkerBatch => DevicesPerWorker * AccumulationSteps * PerDeviceBatch;

    /// <summary>
    /// Plans <paramref name="globalBatch"/> over <paramref name="workers"/> × <paramref name="devicesPerWorker"/>.
    /// Without elasticity the split must be exact with no accumulation; with it, the smallest number of
    /// accumulation steps that keeps the per-device batch at or below <paramref name="maxPerDeviceBatch"/>
    /// is chosen, so the global batch (and with it the LR schedule) never changes.
    /// </summary>
    /// <exception cref="JobSpecException">The batch cannot be split exactly.</exception>
    public static ShardPlan Create(int globalBatch, int workers, int devicesPerWorker, bool elastic, int maxPerDeviceBatch)
    {
        if (globalBatch <= 0 || workers <= 0 || devicesPerWorker <= 0)
        {
            throw new JobSpecException([new JobSpecError("training.global_batch", $"cannot split {globalBatch} over {workers} workers × {devicesPerWorker} devices")]);
        }
        var replicas = workers * devicesPerWorker;
        if (!elastic)
        {
            if (globalBatch % replicas != 0)
            {
                throw new JobSpecException([new JobSpecError("training.global_batch",
                    $"{globalBatch} is not divisible by cluster.workers × cluster.devices_per_worker = {workers} × {devicesPerWorker} = {replicas}")]);
            }
            return new ShardPlan(globalBatch, workers, devicesPerWorker, 1, globalBatch / replicas);
        }
        for (var accumulation = 1; replicas * accumulation <= globalBatch; accumulation++)
        {
            if (globalBatch % (replicas * accumulation) == 0 && globalBatch / (replicas * accumulation) <= maxPerDeviceBatch)
            {
                return new ShardPlan(globalBatch, workers, devicesPerWorker, accumulation, globalBatch / (replicas * accumulation));
            }
        }
        throw new JobSpecException([new JobSpecError("training.global_batch",
            $"{globalBatch} cannot be split exactly over {workers} workers × {devicesPerWorker} devices with gradient accumulation and at most {maxPerDeviceBatch} images per device")]);
    }
}
