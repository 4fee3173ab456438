namespace Saol.Coordinator.Jobs;

/// <summary>
/// A training job as submitted (YAML or JSON, snake_case keys). Every section has defaults that
/// describe a small SAOL run; <see cref="JobSpecLoader"/> validates the whole spec before a job exists.
/// </summary>
public sealed class JobSpec
{
    /// <summary>A human-readable job name. Defaults to "saol".</summary>
    public string Name { get; set; } = "saol";

    /// <summary>The seed of every random choice of the job (data order, init, CutMix). Defaults to 42.</summary>
    public long Seed { get; set; } = 42;

    /// <summary>The network: backbone, output head, classes.</summary>
    public ModelSpec Model { get; set; } = new();

    /// <summary>The data set.</summary>
    public DatasetSpec Dataset { get; set; } = new();

    /// <summary>Batch, epochs and the learning-rate recipe.</summary>
    public TrainingSpec Training { get; set; } = new();

    /// <summary>CutMix augmentation.</summary>
    public CutMixSpec CutMix { get; set; } = new();

    /// <summary>Weights of the SAOL loss terms.</summary>
    public LossSpec Loss { get; set; } = new();

    /// <summary>Workers × devices per worker, and elasticity.</summary>
    public ClusterSpec Cluster { get; set; } = new();

    /// <summary>When and where checkpoints are written.</summary>
    public CheckpointSpec Checkpoint { get; set; } = new();
}

/// <summary>The network of a job.</summary>
public sealed class ModelSpec
{
    /// <summary>The backbone name (see <see cref="JobSpecLoader.KnownBackbones"/>). Defaults to "resnet20" (the CIFAR ResNet-20).</summary>
    public string Backbone { get; set; } = "resnet20";

    /// <summary>The head used at test time: "saol" or "gapfc" (both are trained). Defaults to "saol".</summary>
    public string Head { get; set; } = "saol";

    /// <summary>Freezes BatchNorm (eval-mode statistics) during training; used by exactness checks. Defaults to false.</summary>
    public bool FreezeBatchNorm { get; set; }

    /// <summary>The classes K; 0 takes the data set's count, any other value must equal it. Defaults to 0.</summary>
    public int NumClasses { get; set; }
}

/// <summary>The data set of a job.</summary>
public sealed class DatasetSpec
{
    /// <summary>"fashion-mnist", "synthetic" or "imagefolder" ("imagenet" is read as "imagefolder"). Defaults to "fashion-mnist".</summary>
    public string Kind { get; set; } = "fashion-mnist";

    /// <summary>The directory holding the IDX files (fashion-mnist), or the root holding train/ and val/ (imagefolder). Defaults to /usr/share/datasets/fashion-mnist.</summary>
    public string? Path { get; set; } = "/usr/share/datasets/fashion-mnist";

    /// <summary>The training split of an imagefolder data set (one sub-directory of JPEGs per class); null for <see cref="Path"/>/train. Defaults to null.</summary>
    public string? TrainPath { get; set; }

    /// <summary>The validation split of an imagefolder data set, with the same class sub-directories; null for <see cref="Path"/>/val. Defaults to null.</summary>
    public string? ValPath { get; set; }

    /// <summary>Side of the imagefolder crops (RandomResizedCrop in training, CenterCrop after a resize to side·8/7 in evaluation). Defaults to 224.</summary>
    public int ImageSize { get; set; } = 224;

    /// <summary>Per-channel (R, G, B) normalisation mean of imagefolder images; empty for ImageNet's (0.485, 0.456, 0.406). Defaults to empty.</summary>
    public List<float> Mean { get; set; } = [];

    /// <summary>Per-channel (R, G, B) normalisation standard deviation of imagefolder images; empty for ImageNet's (0.229, 0.224, 0.225). Defaults to empty.</summary>
    public List<float> Std { get; set; } = [];

    /// <summary>Uses only the first N training images (0 = all). Defaults to 0.</summary>
    public int TrainLimit { get; set; }

    /// <summary>Evaluates on only the first N test images (0 = all). Defaults to 0.</summary>
    public int TestLimit { get; set; }

    /// <summary>Training images of the synthetic set. Defaults to 512.</summary>
    public int SyntheticTrainSize { get; set; } = 512;

    /// <summary>Test images of the synthetic set. Defaults to 128.</summary>
    public int SyntheticTestSize { get; set; } = 128;

    /// <summary>Side of the synthetic images in pixels. Defaults to 16.</summary>
    public int SyntheticImageSize { get; set; } = 16;

    /// <summary>Classes of the synthetic set. Defaults to 4.</summary>
    public int SyntheticClasses { get; set; } = 4;
}

/// <summary>Batch, budget and optimiser recipe (Goyal et al., 2017).</summary>
public sealed class TrainingSpec
{
    /// <summary>The global batch B over all workers and devices. Defaults to 64.</summary>
    public int GlobalBatch { get; set; } = 64;

    /// <summary>Epochs to train. Defaults to 1.</summary>
    public int Epochs { get; set; } = 1;

    /// <summary>Stops after this many optimiser steps in total (0 = no limit). Defaults to 0.</summary>
    public int MaxSteps { get; set; }

    /// <summary>The learning rate at <see cref="BaseBatch"/>. Defaults to 0.1.</summary>
    public double BaseLr { get; set; } = 0.1;

    /// <summary>The batch <see cref="BaseLr"/> refers to; lr = base_lr × B / base_batch. Defaults to 256.</summary>
    public int BaseBatch { get; set; } = 256;

    /// <summary>Epochs of linear per-iteration warm-up from base_lr (0 = none). Defaults to 0.</summary>
    public double WarmupEpochs { get; set; }

    /// <summary>"step" (÷10 at <see cref="Milestones"/>) or "cosine". Defaults to "step".</summary>
    public string Schedule { get; set; } = "step";

    /// <summary>Epochs at which the step schedule divides the rate by 10. Defaults to none.</summary>
    public List<int> Milestones { get; set; } = [];

    /// <summary>SGD momentum. Defaults to 0.9.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>Nesterov momentum. Defaults to true.</summary>
    public bool Nesterov { get; set; } = true;

    /// <summary>Weight decay. Defaults to 1e-4.</summary>
    public double WeightDecay { get; set; } = 1e-4;

    /// <summary>Leaves BatchNorm parameters and biases out of weight decay. Defaults to true.</summary>
    public bool NoDecayOnBnAndBias { get; set; } = true;
}

/// <summary>CutMix (CutMix-PyTorch semantics).</summary>
public sealed class CutMixSpec
{
    /// <summary>Probability of mixing a batch. Defaults to 0.5.</summary>
    public double Probability { get; set; } = 0.5;

    /// <summary>β of the Beta(β, β) mixing ratio. Defaults to 1.</summary>
    public double Beta { get; set; } = 1.0;
}

/// <summary>Weights of L = L_SL + L_SS1 + L_SS2 + L_SD.</summary>
public sealed class LossSpec
{
    /// <summary>Weight of the supervised loss. Defaults to 1.</summary>
    public double Sl { get; set; } = 1.0;

    /// <summary>Weight of the mask-prediction loss. Defaults to 1.</summary>
    public double Ss1 { get; set; } = 1.0;

    /// <summary>Weight of the spatial-logit consistency loss. Defaults to 1.</summary>
    public double Ss2 { get; set; } = 1.0;

    /// <summary>Weight of the self-distillation loss. Defaults to 1.</summary>
    public double Sd { get; set; } = 1.0;

    /// <summary>β of the GAP-FC cross-entropy inside L_SD. Defaults to 0.5.</summary>
    public double SdBeta { get; set; } = 0.5;
}

/// <summary>The workers of a job.</summary>
public sealed class ClusterSpec
{
    /// <summary>Workers W of a full generation. Defaults to 1.</summary>
    public int Workers { get; set; } = 1;

    /// <summary>Devices G per worker. Defaults to 1.</summary>
    public int DevicesPerWorker { get; set; } = 1;

    /// <summary>The device kind: "cpu" or "cuda". Defaults to "cpu".</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>Lets the job go on with between <see cref="MinWorkers"/> and <see cref="Workers"/> workers. Defaults to false.</summary>
    public bool Elastic { get; set; }

    /// <summary>The fewest workers an elastic job runs with (0 = <see cref="Workers"/>). Defaults to 0.</summary>
    public int MinWorkers { get; set; }
}

/// <summary>The checkpoint policy.</summary>
public sealed class CheckpointSpec
{
    /// <summary>The directory that holds the job's checkpoints. Defaults to "checkpoints".</summary>
    public string Directory { get; set; } = "checkpoints";

    /// <summary>Writes a checkpoint every N optimiser steps (0 = only at epoch end). Defaults to 0.</summary>
    public int EverySteps { get; set; }

    /// <summary>Also writes one at the end of every epoch. Defaults to true.</summary>
    public bool AtEpochEnd { get; set; } = true;

    /// <summary>Keeps the newest K checkpoints (0 = all). Defaults to 3.</summary>
    public int KeepLast { get; set; } = 3;
}
