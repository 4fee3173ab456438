using System.Diagnostics;
using Saol.Checkpoints;
using Saol.Collective;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.Scheduling;
using Saol.Data;
using Saol.Data.Sampling;
using Saol.Torch;
using Saol.Torch.Optim;

namespace Saol.Worker.Training;

/// <summary>Where one rank stands in one generation of a job.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Spec">The job spec.</param>
/// <param name="SpecJson">The spec's canonical JSON (recorded in checkpoints).</param>
/// <param name="Rank">This rank.</param>
/// <param name="Shard">The generation's split of the global batch.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
internal sealed record TrainerSetup(string JobId, JobSpec Spec, string SpecJson, int Rank, ShardPlan Shard, long TotalSteps);

/// <summary>
/// The training loop of one rank: data order from the distributed sampler, forward/backward of every
/// micro-batch (devices × accumulation), gradient averaging over the ring, SGD with the job's LR
/// schedule, epoch-end evaluation of both heads, checkpoints on rank 0, and an exact resume from a
/// checkpoint (model, buffers, momentum, sampler position, the loss history).
/// </summary>
internal sealed class Trainer : IDisposable
{
    private readonly TrainerSetup _setup;
    private readonly ITrainingNetwork _network;
    private readonly BatchLoader _train;
    private readonly BatchLoader _test;
    private readonly IAllReduce? _ring;
    private readonly ITrainingEvents _events;
    private readonly SGD _optimizer;
    private readonly GradientSynchronizer _gradients;
    private readonly LearningRateSchedule _schedule;
    private readonly DistributedSampler _sampler;
    private readonly CheckpointDirectory? _checkpoints;
    private readonly List<double> _lossHistory = [];
    private readonly bool _ownsNetwork;
    private long _step;

    // loaderThreads: images an image-folder loader decodes at once (0 = the processor count).
    public Trainer(TrainerSetup setup, ITrainingNetwork network, IImageDataset train, IImageDataset test, IAllReduce? ring, ITrainingEvents events, bool ownsNetwork = false, int loaderThreads = 0)
    {
        _setup = setup;
        _ownsNetwork = ownsNetwork;
        _network = network;
        _train = new BatchLoader(train, loaderThreads);
        _test = new BatchLoader(test, loaderThreads);
        _ring = ring;
        _events = events;
        var worldSize = setup.Shard.Workers;
        if (ring is not null && (ring.WorldSize != worldSize || ring.Rank != setup.Rank))
        {
            throw new ArgumentException($"the ring is rank {ring.Rank} of {ring.WorldSize}, the assignment rank {setup.Rank} of {worldSize}", nameof(ring));
        }
        var t = setup.Spec.Training;
        StepsPerEpoch = DistributedSampler.StepsPerEpoch(train.Count, t.GlobalBatch);
        _schedule = new LearningRateSchedule(t, StepsPerEpoch);
        _sampler = new DistributedSampler(train.Count, worldSize, setup.Rank, setup.Spec.Seed);

        // Biases and BatchNorm affine parameters (the 1-d ones) are left out of weight decay (Goyal et al.).
        var named = network.Module.named_parameters().ToList();
        _gradients = new GradientSynchronizer([.. named.Select(p => (Tensor)p.parameter)], ring, oneBackwardPerStep: setup.Shard.DevicesPerWorker * setup.Shard.AccumulationSteps == 1);
        var decay = named.Where(p => !t.NoDecayOnBnAndBias || p.parameter.ndim > 1).Select(p => (Tensor)p.parameter).ToList();
        var noDecay = named.Where(p => t.NoDecayOnBnAndBias && p.parameter.ndim <= 1).Select(p => (Tensor)p.parameter).ToList();
        var groups = new List<ParamGroup> { new(decay, weight_decay: t.WeightDecay) };
        if (noDecay.Count > 0)
        {
            groups.Add(new ParamGroup(noDecay, weight_decay: 0));
        }
        _optimizer = torch.optim.SGD(groups, _schedule.At(0), momentum: t.Momentum, nesterov: t.Nesterov);
        if (setup.Rank == 0)
        {
            _checkpoints = new CheckpointDirectory(JobCoordinator.CheckpointRoot(setup.Spec, setup.JobId));
        }
    }

    /// <summary>The module being trained.</summary>
    public torch.nn.Module Module => _network.Module;

    /// <summary>Optimiser steps per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Steps completed.</summary>
    public long Step => _step;

    /// <summary>The mean global-batch loss of every step so far (restored on resume).</summary>
    public IReadOnlyList<double> LossHistory => _lossHistory;

    /// <summary>The newest checkpoint this rank wrote (rank 0), or null.</summary>
    public WrittenCheckpoint? LastCheckpoint { get; private set; }

    /// <summary>The last epoch-end evaluation, or null.</summary>
    public EvaluationReport? LastEvaluation { get; private set; }

    /// <summary>Loads a verified checkpoint: weights, buffers, momentum, step and loss history.</summary>
    public void Restore(LoadedCheckpoint checkpoint)
    {
        TrainingCheckpoint.Restore(checkpoint, _network.Module, _optimizer);
        _step = checkpoint.Manifest.Step;
        _lossHistory.Clear();
        _lossHistory.AddRange(checkpoint.Manifest.LossHistory);
    }

    /// <summary>Trains until <see cref="TrainerSetup.TotalSteps"/> (or <paramref name="stopAfter"/> steps in total, for tests).</summary>
    public async Task RunAsync(CancellationToken cancellationToken, long? stopAfter = null)
    {
        var end = Math.Min(_setup.TotalSteps, stopAfter ?? long.MaxValue);
        var spec = _setup.Spec;
        var shard = _setup.Shard;
        var perRank = shard.PerWorkerBatch;
        var microBatches = shard.DevicesPerWorker * shard.AccumulationSteps;
        await BroadcastFromRankZeroAsync(cancellationToken).ConfigureAwait(false);
        int[]? order = null;
        var orderEpoch = -1;
        while (_step < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var epoch = (int)(_step / StepsPerEpoch);
            var inEpoch = (int)(_step % StepsPerEpoch);
            if (orderEpoch != epoch)
            {
                order = _sampler.Indices(epoch);
                orderEpoch = epoch;
            }
            var clock = Stopwatch.StartNew();
            var lr = _schedule.At(_step);
            foreach (var group in _optimizer.ParamGroups)
            {
                group.LearningRate = lr;
            }
            _network.Module.train(!spec.Model.FreezeBatchNorm);
            _optimizer.zero_grad();
            double localLoss = 0;
            for (var micro = 0; micro < microBatches; micro++)
            {
                using var scope = torch.NewDisposeScope();
                var seed = SplitMix64.Mix(spec.Seed, _step, _setup.Rank, micro);
                torch.manual_seed(unchecked((long)seed));
                // The epoch picks the random crops and flips of an augmented data set: a pure function of
                // (seed, epoch, index), so they change every epoch and replay exactly after a resume.
                var (images, labels) = _train.Load(order.AsSpan((inEpoch * perRank) + (micro * shard.PerDeviceBatch), shard.PerDeviceBatch), epoch);
                var loss = _network.Loss(images, labels, seed);
                // Each micro-batch's mean loss weighs 1/(G·A): the sum is the mean over this rank's images.
                var scaled = loss.div(microBatches);
                scaled.backward();
                localLoss += loss.item<float>() / microBatches;
            }
            var reduceStarted = clock.Elapsed;
            var globalLoss = await _gradients.AverageAsync(localLoss, cancellationToken).ConfigureAwait(false);
            var reduceSeconds = (clock.Elapsed - reduceStarted).TotalSeconds;
            _optimizer.step();
            _step++;
            _lossHistory.Add(globalLoss);
            var seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            await _events.StepCompletedAsync(new StepReport(_step, epoch, globalLoss, lr, spec.Training.GlobalBatch / seconds, perRank, seconds, reduceSeconds), cancellationToken).ConfigureAwait(false);

            var epochEnded = _step % StepsPerEpoch == 0;
            var last = _step == _setup.TotalSteps;
            if (epochEnded || last)
            {
                LastEvaluation = await EvaluateAsync((int)((_step + StepsPerEpoch - 1) / StepsPerEpoch), cancellationToken).ConfigureAwait(false);
                await _events.EvaluatedAsync(LastEvaluation, cancellationToken).ConfigureAwait(false);
            }
            var due = (spec.Checkpoint.EverySteps > 0 && _step % spec.Checkpoint.EverySteps == 0) || (spec.Checkpoint.AtEpochEnd && epochEnded) || last;
            if (due && _checkpoints is not null)
            {
                var writing = Stopwatch.StartNew();
                LastCheckpoint = WriteCheckpoint();
                await _events.CheckpointWrittenAsync(LastCheckpoint, writing.Elapsed.TotalSeconds, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Makes every replica start from rank 0's parameters and float buffers (as DistributedDataParallel
    /// does): the others contribute zeros to one sum all-reduce, which is exact, so the copy is bitwise.
    /// Replicas built from the same seed are identical already; this guards against anything that
    /// perturbed an initialisation (another user of libtorch's global generator, another libtorch build).
    /// </summary>
    private async Task BroadcastFromRankZeroAsync(CancellationToken cancellationToken)
    {
        if (_ring is not { WorldSize: > 1 } ring)
        {
            return;
        }
        var module = _network.Module;
        var tensors = module.named_parameters().Select(p => (Tensor)p.parameter)
            .Concat(module.named_buffers().Select(b => b.buffer).Where(b => b.dtype == ScalarType.Float32))
            .ToList();
        var values = new float[tensors.Sum(t => t.numel())];
        var offset = 0;
        foreach (var t in tensors)
        {
            var n = (int)t.numel();
            if (_setup.Rank == 0)
            {
                using var detached = t.detach();
                using var contiguous = detached.contiguous();
                contiguous.data<float>().CopyTo(values.AsSpan(offset, n));
            }
            offset += n;
        }
        await ring.AllReduceAsync(values, ReduceOp.Sum, cancellationToken).ConfigureAwait(false);
        offset = 0;
        using var noGrad = torch.no_grad();
        foreach (var t in tensors)
        {
            var n = (int)t.numel();
            using var source = torch.tensor<float>(values.AsSpan(offset, n), t.shape);
            t.copy_(source);
            offset += n;
        }
    }

    /// <summary>Top-1 accuracy of both heads on the test set; each rank scores a disjoint part, the counts are summed over the ring.</summary>
    public async Task<EvaluationReport> EvaluateAsync(int epoch, CancellationToken cancellationToken)
    {
        var world = _setup.Shard.Workers;
        var counts = new float[3];
        _network.Module.eval();
        const int batch = 256;
        var mine = Enumerable.Range(0, _test.Dataset.Count).Where(i => i % world == _setup.Rank).ToArray();
        for (var start = 0; start < mine.Length; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            var (images, labels) = _test.Load(mine.AsSpan(start, Math.Min(batch, mine.Length - start)), epoch);
            var (saol, gapfc) = _network.Predict(images);
            counts[0] += saol.eq(labels).sum().item<long>();
            counts[1] += gapfc.eq(labels).sum().item<long>();
            counts[2] += labels.shape[0];
        }
        if (_ring is not null && world > 1)
        {
            await _ring.AllReduceAsync(counts, ReduceOp.Sum, cancellationToken).ConfigureAwait(false);
        }
        return new EvaluationReport(epoch, _step, counts[0] / counts[2], counts[1] / counts[2]);
    }

    private WrittenCheckpoint WriteCheckpoint()
    {
        var spec = _setup.Spec;
        var epoch = (int)(_step / StepsPerEpoch);
        var inEpoch = (int)(_step % StepsPerEpoch);
        var manifest = new CheckpointManifest
        {
            CheckpointId = CheckpointDirectory.IdForStep(_step),
            JobId = _setup.JobId,
            CreatedUtc = DateTimeOffset.UtcNow,
            JobSpec = TrainingCheckpoint.SpecElement(_setup.SpecJson),
            Step = _step,
            Epoch = epoch,
            Sampler = new SamplerPosition { Epoch = epoch, Offset = inEpoch * _setup.Shard.PerWorkerBatch, WorldSize = _setup.Shard.Workers, Seed = spec.Seed },
            Rng = new RngState { Seed = spec.Seed, Counter = _step },
            Schedule = new ScheduleState
            {
                Kind = spec.Training.Schedule,
                BaseLr = _schedule.BaseLr,
                PeakLr = _schedule.PeakLr,
                WarmupSteps = _schedule.WarmupSteps,
                TotalSteps = _schedule.TotalSteps,
                StepsPerEpoch = StepsPerEpoch,
                NextLr = _schedule.At(_step),
            },
            LossHistory = [.. _lossHistory],
        };
        if (LastEvaluation is { } evaluation)
        {
            manifest.Evaluation = new CheckpointEvaluation { Epoch = evaluation.Epoch, AccuracySaol = evaluation.AccuracySaol, AccuracyGapFc = evaluation.AccuracyGapFc };
        }
        return _checkpoints!.Write(manifest, TrainingCheckpoint.Payloads(_network.Module, _optimizer, _network.Description, _setup.JobId, _step));
    }

    public void Dispose()
    {
        _gradients.Dispose();
        _optimizer.Dispose();
        if (_ownsNetwork)
        {
            _network.Dispose();
        }
    }
}
