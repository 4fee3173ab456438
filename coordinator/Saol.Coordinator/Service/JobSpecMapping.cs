using Saol.Coordinator.Jobs;
using Saol.Data.Sources;
using Pb = Saol.Protos.V1;

namespace Saol.Coordinator.Service;

/// <summary>
/// Maps the YAML/JSON job spec to the wire's <see cref="Pb.JobSpec"/> and back. The wire form spells
/// out what the YAML derives (classes, image size and channels come from the data set), and the
/// mapping back validates, so a spec built by another client is checked like a YAML one.
/// </summary>
public static class JobSpecMapping
{
    /// <summary>The wire form of <paramref name="spec"/>.</summary>
    public static Pb.JobSpec ToProto(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (channels, side, classes) = spec.DatasetDescriptor().Shape();
        var head = Head(spec.Model.Head);
        var result = new Pb.JobSpec
        {
            Name = spec.Name,
            Seed = unchecked((ulong)spec.Seed),
            Model = new Pb.ModelSpec
            {
                Architecture = spec.Model.Backbone,
                Head = Pb.HeadKind.Saol,
                EvalHead = head,
                NumClasses = classes,
                ImageSize = side,
                InChannels = channels,
                ZeroGammaInit = true,
                FreezeBatchNorm = spec.Model.FreezeBatchNorm,
            },
            Dataset = Dataset(spec),
            GlobalBatchSize = spec.Training.GlobalBatch,
            Epochs = spec.Training.Epochs,
            MaxSteps = spec.Training.MaxSteps,
            Lr = new Pb.LrSchedule
            {
                BaseLr = spec.Training.BaseLr,
                BaseBatch = spec.Training.BaseBatch,
                WarmupEpochs = spec.Training.WarmupEpochs,
                Decay = spec.Training.Schedule == "cosine" ? Pb.LrDecay.Cosine : Pb.LrDecay.Step,
                StepGamma = 0.1,
            },
            Optimizer = new Pb.OptimizerSpec
            {
                Momentum = spec.Training.Momentum,
                Nesterov = spec.Training.Nesterov,
                WeightDecay = spec.Training.WeightDecay,
                NoDecayBnAndBias = spec.Training.NoDecayOnBnAndBias,
            },
            Cutmix = new Pb.CutMixSpec { Beta = spec.CutMix.Beta, Probability = spec.CutMix.Probability },
            LossWeights = new Pb.SaolLossWeights { Supervised = spec.Loss.Sl, Ss1 = spec.Loss.Ss1, Ss2 = spec.Loss.Ss2, Sd = spec.Loss.Sd, SdCeBeta = spec.Loss.SdBeta },
            Resources = new Pb.ResourceSpec { Workers = spec.Cluster.Workers, DevicesPerWorker = spec.Cluster.DevicesPerWorker, DeviceType = spec.Cluster.Device },
            Checkpoint = new Pb.CheckpointPolicy
            {
                EverySteps = spec.Checkpoint.EverySteps,
                AtEpochEnd = spec.Checkpoint.AtEpochEnd,
                KeepLast = spec.Checkpoint.KeepLast,
                Directory = spec.Checkpoint.Directory,
            },
            Elastic = new Pb.ElasticPolicy
            {
                MinWorkers = spec.Cluster.Elastic ? Math.Max(1, spec.MinimumWorkers()) : 0,
                MaxWorkers = spec.Cluster.Workers,
            },
        };
        result.Lr.Milestones.Add(spec.Training.Milestones);
        return result;
    }

    /// <summary>The spec a wire form describes, validated.</summary>
    /// <exception cref="JobSpecException">A field is missing or invalid; the message names it.</exception>
    public static JobSpec FromProto(Pb.JobSpec proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var errors = new List<JobSpecError>();
        var model = proto.Model ?? new Pb.ModelSpec();
        var data = proto.Dataset ?? new Pb.DatasetSpec();
        var lr = proto.Lr ?? new Pb.LrSchedule();
        var optimizer = proto.Optimizer ?? new Pb.OptimizerSpec();
        var resources = proto.Resources ?? new Pb.ResourceSpec();
        var kind = data.Format switch
        {
            Pb.DatasetFormat.MnistIdx => "fashion-mnist",
            Pb.DatasetFormat.Synthetic => "synthetic",
            Pb.DatasetFormat.ImageFolder => "imagefolder",
            _ => null,
        };
        if (kind is null)
        {
            errors.Add(new JobSpecError("dataset.format", $"unsupported data set format {data.Format} (supported: MNIST_IDX, IMAGE_FOLDER, SYNTHETIC)"));
        }
        if (kind == "imagefolder" && model.InChannels != 3)
        {
            errors.Add(new JobSpecError("model.in_channels", $"image folders are decoded as RGB: must be 3, got {model.InChannels}"));
        }
        if (kind == "imagefolder" && model.NumClasses <= 0)
        {
            errors.Add(new JobSpecError("model.num_classes", $"must be the class count of the training split, got {model.NumClasses}"));
        }
        if (lr.Decay == Pb.LrDecay.Step && lr.StepGamma != 0 && Math.Abs(lr.StepGamma - 0.1) > 1e-12)
        {
            errors.Add(new JobSpecError("lr.step_gamma", "only 0.1 (divide by ten, Goyal et al.) is supported"));
        }
        if (lr.Decay == Pb.LrDecay.Unspecified)
        {
            errors.Add(new JobSpecError("lr.decay", "must be STEP or COSINE"));
        }
        if (errors.Count > 0)
        {
            throw new JobSpecException(errors);
        }
        var spec = new JobSpec
        {
            Name = proto.Name,
            Seed = unchecked((long)proto.Seed),
            Model = new ModelSpec
            {
                Backbone = model.Architecture,
                Head = (model.EvalHead == Pb.HeadKind.Unspecified ? model.Head : model.EvalHead) == Pb.HeadKind.GapFc ? "gapfc" : "saol",
                FreezeBatchNorm = model.FreezeBatchNorm,
                NumClasses = kind == "imagefolder" ? model.NumClasses : 0,
            },
            Dataset = new DatasetSpec
            {
                Kind = kind!,
                Path = kind switch { "synthetic" => null, "imagefolder" => null, _ => data.TrainPath },
                TrainPath = kind == "imagefolder" ? data.TrainPath : null,
                ValPath = kind == "imagefolder" ? data.ValPath : null,
                ImageSize = kind == "imagefolder" ? model.ImageSize : new DatasetSpec().ImageSize,
                Mean = [.. data.Mean],
                Std = [.. data.Std],
                TrainLimit = checked((int)data.TrainLimit),
                TestLimit = checked((int)data.ValLimit),
                SyntheticTrainSize = checked((int)data.SyntheticSamples),
                SyntheticTestSize = checked((int)data.SyntheticValSamples),
                SyntheticImageSize = model.ImageSize,
                SyntheticClasses = model.NumClasses,
            },
            Training = new TrainingSpec
            {
                GlobalBatch = proto.GlobalBatchSize,
                Epochs = proto.Epochs,
                MaxSteps = checked((int)proto.MaxSteps),
                BaseLr = lr.BaseLr,
                BaseBatch = lr.BaseBatch,
                WarmupEpochs = lr.WarmupEpochs,
                Schedule = lr.Decay == Pb.LrDecay.Cosine ? "cosine" : "step",
                Milestones = [.. lr.Milestones],
                Momentum = optimizer.Momentum,
                Nesterov = optimizer.Nesterov,
                WeightDecay = optimizer.WeightDecay,
                NoDecayOnBnAndBias = optimizer.NoDecayBnAndBias,
            },
            CutMix = new CutMixSpec { Beta = proto.Cutmix?.Beta ?? 0, Probability = proto.Cutmix?.Probability ?? 0 },
            Loss = new LossSpec
            {
                Sl = proto.LossWeights?.Supervised ?? 0,
                Ss1 = proto.LossWeights?.Ss1 ?? 0,
                Ss2 = proto.LossWeights?.Ss2 ?? 0,
                Sd = proto.LossWeights?.Sd ?? 0,
                SdBeta = proto.LossWeights?.SdCeBeta ?? 0,
            },
            Cluster = new ClusterSpec
            {
                Workers = resources.Workers,
                DevicesPerWorker = resources.DevicesPerWorker,
                Device = string.IsNullOrEmpty(resources.DeviceType) ? "cpu" : resources.DeviceType,
                Elastic = proto.Elastic?.MinWorkers > 0,
                MinWorkers = proto.Elastic?.MinWorkers ?? 0,
            },
            Checkpoint = new CheckpointSpec
            {
                Directory = proto.Checkpoint?.Directory ?? "",
                EverySteps = checked((int)(proto.Checkpoint?.EverySteps ?? 0)),
                AtEpochEnd = proto.Checkpoint?.AtEpochEnd ?? false,
                KeepLast = proto.Checkpoint?.KeepLast ?? 0,
            },
        };
        if (kind == "fashion-mnist")
        {
            // The wire carries the shape explicitly; for a file data set it must match the files.
            var (channels, side, classes) = spec.DatasetDescriptor().Shape();
            if (model.NumClasses != classes)
            {
                errors.Add(new JobSpecError("model.num_classes", $"Fashion-MNIST has {classes} classes, got {model.NumClasses}"));
            }
            if (model.ImageSize != side || model.InChannels != channels)
            {
                errors.Add(new JobSpecError("model.image_size", $"Fashion-MNIST images are {channels}×{side}×{side}, got {model.InChannels}×{model.ImageSize}×{model.ImageSize}"));
            }
            if (errors.Count > 0)
            {
                throw new JobSpecException(errors);
            }
        }
        JobSpecLoader.Validate(spec);
        return spec;
    }

    private static Pb.DatasetSpec Dataset(JobSpec spec)
    {
        var d = spec.Dataset;
        var kind = JobSpecLoader.CanonicalKind(d.Kind);
        var result = new Pb.DatasetSpec
        {
            Format = kind switch
            {
                "synthetic" => Pb.DatasetFormat.Synthetic,
                "imagefolder" => Pb.DatasetFormat.ImageFolder,
                _ => Pb.DatasetFormat.MnistIdx,
            },
            SyntheticSamples = d.SyntheticTrainSize,
            SyntheticValSamples = d.SyntheticTestSize,
            TrainLimit = d.TrainLimit,
            ValLimit = d.TestLimit,
        };
        switch (kind)
        {
            case "imagefolder":
                var (train, val) = d.ImageFolderSplits();
                result.TrainPath = train ?? "";
                result.ValPath = val ?? "";
                result.Mean.Add(d.Mean);
                result.Std.Add(d.Std);
                break;
            case "fashion-mnist":
                result.TrainPath = d.Path ?? "";
                result.ValPath = d.Path ?? "";
                break;
        }
        return result;
    }

    private static Pb.HeadKind Head(string head) => head == "gapfc" ? Pb.HeadKind.GapFc : Pb.HeadKind.Saol;
}
