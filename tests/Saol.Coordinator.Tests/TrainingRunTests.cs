using Saol.Checkpoints;
using Saol.Coordinator.Jobs;
using Saol.Data;
using Saol.Data.Synthetic;
using Saol.TestKit;
using Saol.Torch;
using Saol.Worker.Training;
using Xunit;

namespace Saol.Coordinator.Tests;

/// <summary>
/// The two exactness properties of distributed training, on the real SAOL network (ResNet-20 backbone)
/// and a real gRPC ring on loopback: data parallelism changes nothing, and a resume changes nothing.
/// </summary>
[Collection(InProcessTorch.Name)]
public sealed class TrainingRunTests : IDisposable
{
    private readonly TempDir _dir = new();

    public TrainingRunTests() => torch.set_num_threads(1);

    public void Dispose() => _dir.Dispose();

    private JobSpec Spec(int workers, int batch, bool freezeBatchNorm, double cutMix) => JobSpecLoader.Parse($"""
        seed: 11
        model:
          backbone: resnet20
          freeze_batch_norm: {(freezeBatchNorm ? "true" : "false")}
        dataset:
          kind: synthetic
          synthetic_train_size: 256
          synthetic_test_size: 32
          synthetic_image_size: 16
          synthetic_classes: 4
        training:
          global_batch: {batch}
          epochs: 1
          base_lr: 0.05
          base_batch: 8
          warmup_epochs: 0.5
          momentum: 0.9
        cut_mix:
          probability: {cutMix.ToString(System.Globalization.CultureInfo.InvariantCulture)}
        cluster:
          workers: {workers}
        checkpoint:
          directory: {_dir.Path}
          every_steps: 4
          at_epoch_end: false
          keep_last: 5
        """);

    private static (IImageDataset Train, IImageDataset Test) Data(JobSpec spec) =>
        (new SyntheticImageDataset(spec.Seed, 256, 16, 4, test: false), new SyntheticImageDataset(spec.Seed, 32, 16, 4, test: true));

    private static Trainer NewTrainer(JobSpec spec, int rank, Saol.Collective.IAllReduce? ring, RecordingEvents events, long totalSteps, string jobId = "job-t", int maxPerDeviceBatch = int.MaxValue)
    {
        var (train, test) = Data(spec);
        torch.manual_seed(spec.Seed);
        var network = SaolTrainingNetwork.Create(spec, train);
        var shard = ShardPlan.Create(spec.Training.GlobalBatch, spec.Cluster.Workers, 1, elastic: maxPerDeviceBatch != int.MaxValue, Math.Min(maxPerDeviceBatch, spec.Training.GlobalBatch));
        return new Trainer(new TrainerSetup(jobId, spec, JobSpecLoader.ToJson(spec), rank, shard, totalSteps), network, train, test, ring, events, ownsNetwork: true);
    }

    private static Dictionary<string, float[]> Parameters(Trainer trainer) =>
        trainer.Module.named_parameters().ToDictionary(p => p.name, p => ((Tensor)p.parameter).ToArray<float>());

    private static double MaxDifference(Dictionary<string, float[]> a, Dictionary<string, float[]> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        return a.Keys.Max(k => a[k].Zip(b[k], (x, y) => Math.Abs((double)x - y)).DefaultIfEmpty(0).Max());
    }

    [Theory]
    [InlineData(int.MaxValue)] // one backward per step: the collective's hooks reduce buckets during backward
    [InlineData(4)] // two micro-batches of 4 per worker: gradient accumulation, reduced after the last backward
    public async Task TwoWorkersBatchB_EndWithTheParametersOfOneWorkerBatch2B_After10Steps(int maxPerDeviceBatch)
    {
        // Frozen BN (eval-mode statistics) and no CutMix: every loss term is a mean over independent samples.
        const int steps = 10;
        var single = Spec(workers: 1, batch: 16, freezeBatchNorm: true, cutMix: 0);
        using var reference = NewTrainer(single, 0, null, new RecordingEvents(), steps);
        var initial = Parameters(reference);
        await reference.RunAsync(CancellationToken.None).Timeout(TimeSpan.FromMinutes(2));

        var pair = Spec(workers: 2, batch: 16, freezeBatchNorm: true, cutMix: 0);
        await using var ring = await LoopbackRing.StartAsync(2).DefaultTimeout();
        using var rank0 = NewTrainer(pair, 0, ring.Ranks[0], new RecordingEvents(), steps, maxPerDeviceBatch: maxPerDeviceBatch);
        using var rank1 = NewTrainer(pair, 1, ring.Ranks[1], new RecordingEvents(), steps, maxPerDeviceBatch: maxPerDeviceBatch);
        await Task.WhenAll(rank0.RunAsync(CancellationToken.None), rank1.RunAsync(CancellationToken.None)).Timeout(TimeSpan.FromMinutes(2));

        var expected = Parameters(reference);
        Assert.True(MaxDifference(initial, expected) > 1e-3, "training must move the parameters for the comparison to mean anything");
        Assert.True(MaxDifference(expected, Parameters(rank0)) < 1e-5, $"max |Δ| = {MaxDifference(expected, Parameters(rank0))}");
        Assert.Equal(0, MaxDifference(Parameters(rank0), Parameters(rank1)));
        Assert.Equal(steps, rank0.LossHistory.Count);
        for (var i = 0; i < steps; i++)
        {
            Assert.Equal(reference.LossHistory[i], rank0.LossHistory[i], 4);
        }
    }

    [Fact]
    public async Task StoppedAfterStepK_ResumedFromItsCheckpoint_EndsLikeTheUninterruptedRun()
    {
        // BN in training mode (running statistics are checkpointed) and CutMix on (its draws replay from the step seed).
        const int steps = 8;
        var spec = Spec(workers: 1, batch: 16, freezeBatchNorm: false, cutMix: 0.5);
        var events = new RecordingEvents();
        using (var uninterrupted = NewTrainer(spec, 0, null, events, steps, jobId: "job-u"))
        {
            await uninterrupted.RunAsync(CancellationToken.None).Timeout(TimeSpan.FromMinutes(2));
            events.Parameters = Parameters(uninterrupted);
            events.Losses = [.. uninterrupted.LossHistory];
            events.Buffers = uninterrupted.Module.named_buffers().ToDictionary(b => b.name, b => b.buffer.to(ScalarType.Float32).ToArray<float>());
        }

        var stoppedEvents = new RecordingEvents();
        using (var stopped = NewTrainer(spec, 0, null, stoppedEvents, steps, jobId: "job-s"))
        {
            await stopped.RunAsync(CancellationToken.None, stopAfter: 4).Timeout(TimeSpan.FromMinutes(2));
        }
        var written = Assert.Single(stoppedEvents.Checkpoints);
        Assert.Equal(4, written.Step);

        using var resumed = NewTrainer(spec, 0, null, new RecordingEvents(), steps, jobId: "job-s");
        resumed.Restore(CheckpointDirectory.Open(written.Path, written.ManifestSha256));
        Assert.Equal(4, resumed.Step);
        await resumed.RunAsync(CancellationToken.None).Timeout(TimeSpan.FromMinutes(2));

        Assert.Equal(events.Losses, resumed.LossHistory);
        Assert.Equal(0, MaxDifference(events.Parameters!, Parameters(resumed)));
        var buffers = resumed.Module.named_buffers().ToDictionary(b => b.name, b => b.buffer.to(ScalarType.Float32).ToArray<float>());
        Assert.Equal(0, MaxDifference(events.Buffers!, buffers));
    }

    [Fact]
    public async Task Checkpoint_ModelFileAlone_RebuildsTheTrainedNetwork()
    {
        // `saol explain --checkpoint <dir>` rebuilds the network from model.safetensors' metadata plus buffers.safetensors.
        var spec = Spec(workers: 1, batch: 16, freezeBatchNorm: false, cutMix: 0.5);
        var events = new RecordingEvents();
        using var trainer = NewTrainer(spec, 0, null, events, 4, jobId: "job-e");
        await trainer.RunAsync(CancellationToken.None).Timeout(TimeSpan.FromMinutes(2));
        var written = Assert.Single(events.Checkpoints);

        var model = Saol.Torch.Serialization.SafeTensors.Load(Path.Combine(written.Path, TrainingCheckpoint.ModelFile), out var metadata);
        var buffers = Saol.Torch.Serialization.SafeTensors.Load(Path.Combine(written.Path, TrainingCheckpoint.BuffersFile));
        Assert.Equal("resnet20", metadata[Saol.Models.ModelFactory.ArchitectureKey]);
        Assert.Equal("saol", metadata[Saol.Models.ModelFactory.HeadKey]);
        Assert.Equal("4", metadata[Saol.Models.ModelFactory.ClassesKey]);
        Assert.Equal("16", metadata["input_size"]);
        Assert.False(metadata.ContainsKey("input_mean"), "the synthetic set is not normalised: explain must not be told it is");
        foreach (var (name, tensor) in buffers)
        {
            model.Add(name, tensor);
        }
        using var rebuilt = Saol.Models.ModelFactory.FromState(model, metadata);
        foreach (var tensor in model.Values)
        {
            tensor.Dispose();
        }

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var images = torch.randn(2, 1, 16, 16).expand(2, 3, 16, 16);
        trainer.Module.eval();
        rebuilt.eval();
        var expected = ((Saol.Models.SaolNetwork)trainer.Module).forward(images).YHat!.ToArray<float>();
        Assert.Equal(expected, rebuilt.forward(images).YHat!.ToArray<float>());
    }

    [Fact]
    public async Task Checkpoint_Corrupted_IsRefusedAndThePreviousOneRestores()
    {
        var spec = Spec(workers: 1, batch: 16, freezeBatchNorm: false, cutMix: 0);
        var events = new RecordingEvents();
        using (var trainer = NewTrainer(spec, 0, null, events, 8, jobId: "job-c"))
        {
            await trainer.RunAsync(CancellationToken.None).Timeout(TimeSpan.FromMinutes(2));
        }
        Assert.Equal([4L, 8L], events.Checkpoints.Select(c => c.Step));
        var newest = events.Checkpoints[^1];
        var model = Path.Combine(newest.Path, "model.safetensors");
        var bytes = File.ReadAllBytes(model);
        bytes[^3] ^= 0x5A;
        File.WriteAllBytes(model, bytes);

        var refused = new List<CheckpointCorruptException>();
        var chosen = CheckpointDirectory.OpenNewestValid(events.Checkpoints.AsEnumerable().Reverse().Select(c => (c.Path, (string?)c.ManifestSha256)), (_, e) => refused.Add(e));
        Assert.Contains("checksum mismatch", Assert.Single(refused).Message, StringComparison.Ordinal);
        Assert.Equal(4, chosen!.Manifest.Step);
        using var restored = NewTrainer(spec, 0, null, new RecordingEvents(), 8, jobId: "job-c");
        restored.Restore(chosen);
        Assert.Equal(4, restored.Step);
        Assert.Equal(4, restored.LossHistory.Count);
    }

    internal sealed class RecordingEvents : ITrainingEvents
    {
        public List<StepReport> Steps { get; } = [];

        public List<EvaluationReport> Evaluations { get; } = [];

        public List<WrittenCheckpoint> Checkpoints { get; } = [];

        public Dictionary<string, float[]>? Parameters { get; set; }

        public Dictionary<string, float[]>? Buffers { get; set; }

        public List<double> Losses { get; set; } = [];

        public Task StepCompletedAsync(StepReport report, CancellationToken cancellationToken)
        {
            Steps.Add(report);
            return Task.CompletedTask;
        }

        public Task EvaluatedAsync(EvaluationReport report, CancellationToken cancellationToken)
        {
            Evaluations.Add(report);
            return Task.CompletedTask;
        }

        public Task CheckpointWrittenAsync(WrittenCheckpoint checkpoint, double writeSeconds, CancellationToken cancellationToken)
        {
            Checkpoints.Add(checkpoint);
            return Task.CompletedTask;
        }
    }
}
