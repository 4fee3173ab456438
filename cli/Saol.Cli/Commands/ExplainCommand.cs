using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Saol.Data.Jpeg;
using Saol.Models;
using Saol.Models.Evaluation;
using Saol.Torch;
using Saol.Torch.Serialization;
using static Saol.Torch.torch;
using static Saol.Torch.torch.nn.functional;

namespace Saol.Cli;

/// <summary>
/// <c>saol explain --checkpoint &lt;ckpt&gt; --image &lt;jpeg&gt;</c>: classifies one image, prints the
/// top-k classes, and writes the image with the model's heat-map blended over it (SAOL: the
/// attention map A, or A ⊙ Y_k with <c>--class-map</c>; CAM/GAP-FC: the class activation map of
/// the top class; ABN: its attention map) plus the WSOL box of that map.
/// </summary>
internal static class ExplainCommand
{
    /// <summary>Optional model-file metadata describing the input pipeline the model was trained with.</summary>
    internal const string InputSizeKey = "input_size", InputMeanKey = "input_mean", InputStdKey = "input_std", ClassNamesKey = "class_names";

    private static readonly float[] s_imageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] s_imageNetStd = [0.229f, 0.224f, 0.225f];

    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A model .safetensors file, or a checkpoint directory holding model.safetensors", Required = true };
        var image = new Option<string>("--image") { Description = "The JPEG to explain", Required = true };
        var output = new Option<string?>("--out") { Description = "Where to write the heat-map JPEG (default: <image>.explain.jpg)" };
        var topK = new Option<int>("--top-k") { Description = "How many classes to print", DefaultValueFactory = _ => 5 };
        var classMap = new Option<bool>("--class-map") { Description = "SAOL: show A ⊙ Y_k of the top class instead of A" };
        var alpha = new Option<double>("--alpha") { Description = "Opacity of the heat-map", DefaultValueFactory = _ => 0.5 };
        var command = new Command("explain", "Classify an image and write its attention heat-map")
        {
            checkpoint, image, output, topK, classMap, alpha,
        };
        command.SetAction(result => ModelCommand.Run(() =>
        {
            torch.InitializeThreadsFromEnvironment();
            var imagePath = result.GetValue(image)!;
            var outPath = result.GetValue(output) ?? Path.ChangeExtension(imagePath, null) + ".explain.jpg";
            var report = Explain(result.GetValue(checkpoint)!, imagePath, outPath, result.GetValue(topK), result.GetValue(classMap), result.GetValue(alpha));
            Console.Write(report);
        }));
        return command;
    }

    /// <summary>
    /// Reads a model file, or a checkpoint directory's <c>model.safetensors</c> together with its
    /// <c>buffers.safetensors</c> (the trainer keeps BN statistics in a second file). The model
    /// file's metadata must describe the model (arch, head, classes, options).
    /// </summary>
    internal static (Dictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) LoadModel(string checkpoint)
    {
        if (File.Exists(checkpoint))
        {
            var single = SafeTensors.Load(checkpoint, out var metadata);
            return (single, metadata);
        }
        if (!Directory.Exists(checkpoint))
        {
            throw new FileNotFoundException($"checkpoint {checkpoint} does not exist", checkpoint);
        }
        var model = Path.Combine(checkpoint, "model.safetensors");
        if (!File.Exists(model))
        {
            throw new FileNotFoundException($"checkpoint directory {checkpoint} has no model.safetensors", model);
        }
        var tensors = SafeTensors.Load(model, out var modelMetadata);
        var buffers = Path.Combine(checkpoint, "buffers.safetensors");
        if (File.Exists(buffers))
        {
            foreach (var (name, tensor) in SafeTensors.Load(buffers))
            {
                if (!tensors.TryAdd(name, tensor))
                {
                    tensor.Dispose();
                    throw new InvalidDataException($"{buffers}: tensor {name} is also in model.safetensors");
                }
            }
        }
        return (tensors, modelMetadata);
    }

    /// <summary>Runs the explanation and returns the report text.</summary>
    internal static string Explain(string checkpoint, string imagePath, string outPath, int topK, bool classMap, double alpha)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topK);
        if (!(alpha >= 0 && alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in [0, 1]");
        }
        var picture = JpegCodec.DecodeFile(imagePath);
        var (tensors, metadata) = LoadModel(checkpoint);
        SaolNetwork network;
        try
        {
            // GAP-FC and CAM share their parameters; CAM adds the class activation maps to show.
            var meta = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
            if (meta.TryGetValue(ModelFactory.HeadKey, out var h) && h == "gapfc")
            {
                meta[ModelFactory.HeadKey] = "cam";
            }
            network = ModelFactory.FromState(tensors, meta, checkpoint);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
        using var _ = network;
        network.eval();
        var size = metadata.TryGetValue(InputSizeKey, out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : IsImageNetArch(network.Architecture) ? 224 : 32;
        var mean = metadata.TryGetValue(InputMeanKey, out var m) ? ParseTriple(m, InputMeanKey) : s_imageNetMean;
        var std = metadata.TryGetValue(InputStdKey, out var d) ? ParseTriple(d, InputStdKey) : s_imageNetStd;
        var names = metadata.TryGetValue(ClassNamesKey, out var n) ? JsonSerializer.Deserialize<string[]>(n) ?? [] : [];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = Preprocess(picture, size, mean, std);
        var outputs = network.forward(input);
        var probabilities = network.TestProbabilities(outputs);
        var k = Math.Min(topK, network.Classes);
        var (values, indices) = probabilities.topk(k, 1);
        var top = indices.view(-1).ToArray<long>();
        var scores = values.view(-1).ToArray<float>();
        var report = new System.Text.StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"{network.Architecture} head={ModelFactory.HeadName(network.Head)} test_head={(network.Head == HeadKind.Saol ? network.Options.TestHead.ToString().ToLowerInvariant() : "gapfc")}");
        for (var i = 0; i < k; i++)
        {
            var label = top[i] < names.Length ? names[top[i]] : $"class {top[i]}";
            report.AppendLine(CultureInfo.InvariantCulture, $"{i + 1}. {label} ({top[i]}): {scores[i]:F4}");
        }

        var map = network.Head == HeadKind.Saol && !classMap
            ? outputs.Attention!.squeeze(1)
            : network.ClassScoreMaps(outputs, tensor(new[] { top[0] }));
        var (mh, mw) = ((int)map.shape[1], (int)map.shape[2]);
        var values2d = map.contiguous().view(-1).ToArray<float>();
        var heat = ScoreMap.Resize(ScoreMap.Normalize(values2d), mh, mw, picture.Height, picture.Width);
        JpegCodec.EncodeFile(Blend(picture, heat, alpha), outPath, quality: 92);
        var box = Wsol.Localize(values2d, mh, mw, picture.Height, picture.Width);
        report.AppendLine(CultureInfo.InvariantCulture, $"heat-map ({mh}x{mw}) written to {outPath}; WSOL box (left, top, right, bottom) = ({box.Left}, {box.Top}, {box.Right}, {box.Bottom})");
        return report.ToString();
    }

    private static bool IsImageNetArch(string arch) => arch is "resnet18" or "resnet34" or "resnet50" or "resnet101" or "resnet152";

    private static float[] ParseTriple(string text, string key)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !parts.All(p => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            throw new InvalidDataException($"metadata {key} must be three comma-separated numbers, not '{text}'");
        }
        return parts.Select(p => float.Parse(p, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>RGB bytes → [1, 3, size, size], scaled to [0, 1], bilinearly resized, normalised per channel.</summary>
    private static Tensor Preprocess(RgbImage picture, int size, float[] mean, float[] std)
    {
        var values = new float[picture.Pixels.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = picture.Pixels[i] / 255f;
        }
        var hwc = tensor(values, [1, picture.Height, picture.Width, 3]);
        var chw = hwc.permute(0, 3, 1, 2).contiguous();
        var resized = interpolate(chw, size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        var meanT = tensor(mean, [1, 3, 1, 1]);
        var stdT = tensor(std, [1, 3, 1, 1]);
        return (resized - meanT) / stdT;
    }

    /// <summary>Blends a [0, 1] heat-map (jet colour map) over the image.</summary>
    internal static RgbImage Blend(RgbImage picture, float[] heat, double alpha)
    {
        var pixels = new byte[picture.Pixels.Length];
        for (var i = 0; i < heat.Length; i++)
        {
            var (r, g, b) = Jet(heat[i]);
            var o = i * 3;
            pixels[o] = Mix(picture.Pixels[o], r, alpha);
            pixels[o + 1] = Mix(picture.Pixels[o + 1], g, alpha);
            pixels[o + 2] = Mix(picture.Pixels[o + 2], b, alpha);
        }
        return new RgbImage(picture.Width, picture.Height, pixels);
    }

    private static byte Mix(byte under, double over, double alpha) => (byte)Math.Clamp(Math.Round(((1 - alpha) * under) + (alpha * over * 255)), 0, 255);

    /// <summary>The classic jet colour map: blue (0) → cyan → yellow → red (1).</summary>
    private static (double R, double G, double B) Jet(double v)
    {
        static double Ramp(double x) => Math.Clamp(1.5 - Math.Abs(x), 0, 1);
        return (Ramp((4 * v) - 3), Ramp((4 * v) - 2), Ramp((4 * v) - 1));
    }
}
