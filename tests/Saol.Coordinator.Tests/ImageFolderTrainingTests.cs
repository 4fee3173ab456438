using System.Collections.Concurrent;
using System.Globalization;
using Saol.Checkpoints;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.Service;
using Saol.Coordinator.State;
using Saol.Data;
using Saol.Data.ImageFolder;
using Saol.Data.Tests.ImageFolder;
using Saol.Rpc;
using Saol.TestKit;
using Saol.Torch;
using Saol.Worker;
using Saol.Worker.Training;
using Xunit;
using Pb = Saol.Protos.V1;

namespace Saol.Coordinator.Tests;

/// <summary>
/// Training on an ImageFolder tree of real JPEGs (2 classes × 8 training and 4 validation images of
/// assorted sizes, 32-pixel crops, the ResNet-20 backbone): the product path end to end, and the
/// per-epoch augmentation that a resume replays exactly.
/// </summary>
[Collection(InProcessTorch.Name)]
public sealed class ImageFolderTrainingTests : IDisposable
{
    private readonly JpegTree _tree = new();
    private readonly TempDir _checkpoints = new();

    public ImageFolderTrainingTests()
    {
        torch.set_num_threads(1);
        for (var c = 0; c < 2; c++)
        {
            for (var i = 0; i < 8; i++)
            {
                _tree.Add(Path.Combine("train", $"class{c}"), $"img{i}.jpg", 40 + (i * 6), 72 - (i * 4), seed: (c * 100) + i);
            }
            for (var i = 0; i < 4; i++)
            {
                _tree.Add(Path.Combine("val", $"class{c}"), $"img{i}.jpg", 50, 44, seed: 1000 + (c * 100) + i);
            }
        }
    }

    public void Dispose()
    {
        _tree.Dispose();
        _checkpoints.Dispose();
    }

    private JobSpec Spec(int epochs, int everySteps) => JobSpecLoader.Parse($"""
        name: imagefolder-e2e
        seed: 3
        model:
          backbone: resnet20
          num_classes: 2
        dataset:
          kind: imagefolder
          path: {_tree.Root}
          image_size: 32
        training:
          global_batch: 8
          epochs: {epochs.ToString(CultureInfo.InvariantCulture)}
          base_lr: 0.05
          base_batch: 8
        cut_mix:
          probability: 0.5
        cluster:
          workers: 1
        checkpoint:
          directory: {_checkpoints.Path}
          every_steps: {everySteps.ToString(CultureInfo.InvariantCulture)}
          keep_last: 0
        """);

    [Fact]
    public async Task Job_OnAnImageFolderOverGrpc_TrainsEvaluatesAndWritesACheckpoint()
    {
        await using var coordinator = await LoopbackCoordinator.StartAsync();
        var client = coordinator.Client;
        var job = (await client.SubmitJobAsync(new Pb.SubmitJobRequest { Spec = JobSpecMapping.ToProto(Spec(epochs: 1, everySteps: 0)) }).ResponseAsync.DefaultTimeout()).Job;

        var last = await DistributedJobTests.RunWorkersAsync(coordinator.Server.Address, job.Id, client, workers: 1);

        Assert.Equal(Pb.JobState.Succeeded, last.State);
        Assert.Equal(2, last.Progress.Step); // 16 training images / batch 8
        var catalog = (await client.ListCheckpointsAsync(new Pb.ListCheckpointsRequest { JobId = job.Id }).ResponseAsync.DefaultTimeout()).Checkpoints;
        var checkpoint = CheckpointDirectory.Open(Assert.Single(catalog).Path);
        Assert.Equal(2, checkpoint.Manifest.Step);
        Assert.NotNull(checkpoint.Manifest.Evaluation); // scored on the 8 validation images
        Assert.Contains("imagefolder", checkpoint.Manifest.JobSpec.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void BatchLoader_ImageFolder_AugmentsEachEpochAnew_AndTheSameEpochIdentically()
    {
        var descriptor = Spec(epochs: 2, everySteps: 1).DatasetDescriptor();
        int[] indices = [0, 5, 9, 15];
        float[] Pixels(int epoch)
        {
            // A fresh data set and loader each time, as a resumed worker has.
            var loader = new BatchLoader(descriptor.Open(test: false), threads: 2);
            var (images, labels) = loader.Load(indices, epoch);
            using (images)
            using (labels)
            {
                Assert.Equal([0L, 0L, 1L, 1L], labels.ToArray<long>());
                Assert.Equal([4L, 3L, 32L, 32L], images.shape);
                return images.ToArray<float>();
            }
        }
        var epoch0 = Pixels(0);
        var epoch1 = Pixels(1);
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(epoch1, Pixels(1));
    }

    [Fact]
    public async Task Training_StoppedMidEpochAndResumed_SeesTheSameAugmentation_AndEndsLikeTheUninterruptedRun()
    {
        // 2 epochs × 2 steps; the stop falls inside epoch 1, whose crops must differ from epoch 0's and replay after the resume.
        var spec = Spec(epochs: 2, everySteps: 1);
        var reads = new EpochRecordingDataset(spec.DatasetDescriptor().Open(test: false));
        var uninterrupted = NewTrainer(spec, "job-u", new TrainingRunTests.RecordingEvents(), reads);
        await uninterrupted.RunAsync(CancellationToken.None).Timeout(TimeSpan.FromMinutes(1));
        var losses = uninterrupted.LossHistory.ToList();
        var parameters = Parameters(uninterrupted);
        uninterrupted.Dispose();
        // Every training image was read once per epoch, with that epoch's augmentation.
        Assert.Equal(Enumerable.Range(0, 16).SelectMany(i => new[] { (i, 0), (i, 1) }).Order(), reads.Reads.Order());

        var events = new TrainingRunTests.RecordingEvents();
        using (var stopped = NewTrainer(spec, "job-s", events))
        {
            await stopped.RunAsync(CancellationToken.None, stopAfter: 3).Timeout(TimeSpan.FromMinutes(1));
        }
        var written = events.Checkpoints[^1];
        Assert.Equal(3, written.Step);
        using var resumed = NewTrainer(spec, "job-s", new TrainingRunTests.RecordingEvents());
        resumed.Restore(CheckpointDirectory.Open(written.Path, written.ManifestSha256));
        await resumed.RunAsync(CancellationToken.None).Timeout(TimeSpan.FromMinutes(1));

        Assert.Equal(4, losses.Count);
        Assert.Equal(losses, resumed.LossHistory);
        var after = Parameters(resumed);
        Assert.All(parameters, p => Assert.Equal(p.Value, after[p.Key]));
    }

    private static Trainer NewTrainer(JobSpec spec, string jobId, TrainingRunTests.RecordingEvents events, IImageDataset? trainSet = null)
    {
        var descriptor = spec.DatasetDescriptor();
        var (train, test) = (trainSet ?? descriptor.Open(test: false), descriptor.Open(test: true));
        torch.manual_seed(spec.Seed);
        var network = SaolTrainingNetwork.Create(spec, train);
        var shard = ShardPlan.Create(spec.Training.GlobalBatch, 1, 1, elastic: false, spec.Training.GlobalBatch);
        var totalSteps = TrainingLength.TotalSteps(spec, train.Count);
        return new Trainer(new TrainerSetup(jobId, spec, JobSpecLoader.ToJson(spec), 0, shard, totalSteps), network, train, test, null, events, ownsNetwork: true, loaderThreads: 2);
    }

    private static Dictionary<string, float[]> Parameters(Trainer trainer) =>
        trainer.Module.named_parameters().ToDictionary(p => p.name, p => ((Tensor)p.parameter).ToArray<float>());

    /// <summary>Passes reads through and records (index, epoch) of each augmented one.</summary>
    private sealed class EpochRecordingDataset(IImageDataset inner) : IAugmentedImageDataset
    {
        private readonly ConcurrentQueue<(int Index, int Epoch)> _reads = new();

        public IReadOnlyCollection<(int Index, int Epoch)> Reads => _reads;

        public int Count => inner.Count;

        public int Channels => inner.Channels;

        public int Height => inner.Height;

        public int Width => inner.Width;

        public int Classes => inner.Classes;

        public int Label(int index) => inner.Label(index);

        public void ReadImage(int index, Span<float> destination) => throw new InvalidOperationException("the trainer must read augmented images with their epoch");

        public void ReadImage(int index, int epoch, Span<float> destination)
        {
            _reads.Enqueue((index, epoch));
            ((IAugmentedImageDataset)inner).ReadImage(index, epoch, destination);
        }
    }
}
