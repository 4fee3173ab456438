using System.Globalization;
using Saol.Coordinator.Jobs;
using Saol.Data;
using Saol.Models;
using Saol.Models.Augmentation;
using Saol.Models.Losses;
using Saol.Torch;

namespace Saol.Worker.Training;

/// <summary>
/// The production network: a backbone with the SAOL head (and the GAP-FC head trained beside it),
/// trained with L = L_SL + L_SS1 + L_SS2 + L_SD on CutMix batches, all from the models library.
/// </summary>
internal sealed class SaolTrainingNetwork : ITrainingNetwork
{
    private readonly SaolNetwork _network;
    private readonly JobSpec _spec;
    private readonly SaolLossWeights _weights;

    private SaolTrainingNetwork(SaolNetwork network, JobSpec spec, IReadOnlyDictionary<string, string> description)
    {
        _network = network;
        _spec = spec;
        Description = description;
        _weights = new SaolLossWeights
        {
            Supervised = spec.Loss.Sl,
            Mask = spec.Loss.Ss1,
            Consistency = spec.Loss.Ss2,
            Distillation = spec.Loss.Sd,
            DistillationBeta = spec.Loss.SdBeta,
        };
    }

    /// <summary>Builds the job's network for the classes of <paramref name="train"/> (initialised from libtorch's current seed).</summary>
    public static ITrainingNetwork Create(JobSpec spec, IImageDataset train)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        var network = ModelFactory.Create(spec.Model.Backbone, "saol", train.Classes, new ModelOptions { ZeroGamma = true });
        return new SaolTrainingNetwork(network, spec, Describe(network, train));
    }

    public torch.nn.Module Module => _network;

    public IReadOnlyDictionary<string, string> Description { get; }

    public Tensor Loss(Tensor images, Tensor labels, ulong seed)
    {
        var rgb = Rgb(images);
        var targets = SaolLoss.OneHot(labels, _network.Classes);
        var box = new CutMix(_spec.CutMix.Probability, _spec.CutMix.Beta, seed).Sample((int)rgb.shape[0], (int)rgb.shape[2], (int)rgb.shape[3]);
        // The caller's dispose scope frees the loss parts and outputs; only the total is needed here.
        return SaolLoss.Compute(_network, rgb, targets, box, _weights).Total;
    }

    public (Tensor Saol, Tensor GapFc) Predict(Tensor images)
    {
        var outputs = _network.forward(Rgb(images));
        return (outputs.YHat!.argmax(1), outputs.GapLogits.argmax(1));
    }

    public void Dispose() => _network.Dispose();

    // The keys `saol explain` reads (models/README.md): the factory's description, the input size,
    // the normalisation the data set applies (so an explained image is prepared as in training) and
    // the class names. Grey-scale sets are fed as RGB (see Rgb below), so their one value covers 3 channels.
    private static Dictionary<string, string> Describe(SaolNetwork network, IImageDataset train)
    {
        var description = ModelFactory.Metadata(network);
        description["input_size"] = train.Height.ToString(CultureInfo.InvariantCulture);
        if (train.Normalization is { } normalization)
        {
            description["input_mean"] = ThreeChannels(normalization.Mean);
            description["input_std"] = ThreeChannels(normalization.Std);
        }
        if (train.ClassNames is { } names)
        {
            description["class_names"] = System.Text.Json.JsonSerializer.Serialize(names);
        }
        return description;
    }

    private static string ThreeChannels(IReadOnlyList<float> values) =>
        string.Join(',', Enumerable.Range(0, 3).Select(c => values[values.Count == 1 ? 0 : c].ToString("R", CultureInfo.InvariantCulture)));

    // The backbones take RGB; grey-scale data sets repeat their one channel (a view, no copy).
    private static Tensor Rgb(Tensor images) => images.shape[1] == 1 ? images.expand(images.shape[0], 3, images.shape[2], images.shape[3]) : images;
}
