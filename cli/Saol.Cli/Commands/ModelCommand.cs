using System.CommandLine;
using Saol.Models;
using Saol.Torch;
using Saol.Torch.Serialization;
using static Saol.Torch.torch;

namespace Saol.Cli;

/// <summary>
/// <c>saol model export</c> writes a freshly initialised model to safetensors;
/// <c>saol model forward</c> runs a model file on a safetensors input and writes every output,
/// for interoperability with PyTorch and for debugging.
/// </summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var command = new Command("model", "Export SAOL models and run them on tensors (safetensors in, safetensors out)");
        command.Subcommands.Add(CreateExport());
        command.Subcommands.Add(CreateForward());
        return command;
    }

    private static Command CreateExport()
    {
        var arch = new Option<string>("--arch") { Description = "Architecture: " + string.Join(", ", ModelFactory.Architectures), Required = true };
        var head = new Option<string>("--head") { Description = "Head: saol, gapfc, cam or abn", DefaultValueFactory = _ => "saol" };
        var classes = new Option<int>("--classes") { Description = "Number of classes", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the initial weights", DefaultValueFactory = _ => 0 };
        var options = new Option<string?>("--options") { Description = "Model options key=value;… (blocks, separable, attention_channels, zero_gamma, test_head)" };
        var output = new Option<string>("--out") { Description = "Output .safetensors file", Required = true };
        var command = new Command("export", "Write a freshly initialised model (parameters, BN buffers and its arch/head/classes/options metadata)")
        {
            arch, head, classes, seed, options, output,
        };
        command.SetAction(result => Run(() =>
        {
            torch.InitializeThreadsFromEnvironment();
            using var network = ModelFactory.Create(result.GetValue(arch)!, result.GetValue(head)!, result.GetValue(classes), ModelOptions.Parse(result.GetValue(options)), result.GetValue(seed));
            var path = result.GetValue(output)!;
            ModelFactory.Save(network, path);
            var parameters = network.parameters().Sum(p => p.numel());
            Console.WriteLine($"wrote {path}: {network.Architecture} head={ModelFactory.HeadName(network.Head)} classes={network.Classes} parameters={parameters}");
        }));
        return command;
    }

    private static Command CreateForward()
    {
        var weights = new Option<string>("--weights") { Description = "Model .safetensors file (with arch/head/classes metadata)", Required = true };
        var input = new Option<string>("--input") { Description = ".safetensors file holding the images [B, 3, H, W] as tensor 'x' (or its only tensor)", Required = true };
        var output = new Option<string>("--out") { Description = "Output .safetensors file", Required = true };
        var train = new Option<bool>("--train") { Description = "Run in training mode (BN on batch statistics) instead of evaluation mode" };
        var command = new Command("forward", "Run a model on a batch and write y_hat, A, Y, M_hat, gap_logits (as the head provides them)")
        {
            weights, input, output, train,
        };
        command.SetAction(result => Run(() =>
        {
            torch.InitializeThreadsFromEnvironment();
            using var network = ModelFactory.Load(result.GetValue(weights)!);
            var tensors = SafeTensors.Load(result.GetValue(input)!);
            try
            {
                var x = tensors.TryGetValue("x", out var named) ? named
                    : tensors.Count == 1 ? tensors.Values.Single()
                    : throw new InvalidDataException("the input file holds several tensors and none is named 'x'");
                network.train(result.GetValue(train));
                using var noGrad = no_grad();
                using var outputs = network.forward(x.to(ScalarType.Float32));
                var written = OutputTensors(outputs);
                SafeTensors.Save(written, result.GetValue(output)!, ModelFactory.Metadata(network));
                Console.WriteLine($"wrote {result.GetValue(output)}: {string.Join(", ", written.Select(kv => $"{kv.Key} [{string.Join(", ", kv.Value.shape)}]"))}");
            }
            finally
            {
                foreach (var t in tensors.Values)
                {
                    t.Dispose();
                }
            }
        }));
        return command;
    }

    /// <summary>The output names shared with tests/python/saol/oracle.py.</summary>
    internal static Dictionary<string, Tensor> OutputTensors(SaolOutputs outputs)
    {
        var written = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["gap_logits"] = outputs.GapLogits };
        void Add(string name, Tensor? t)
        {
            if (t is not null)
            {
                written[name] = t;
            }
        }
        Add("y_hat", outputs.YHat);
        Add("A", outputs.Attention);
        Add("Y", outputs.Spatial);
        Add("M_hat", outputs.MaskProbability);
        Add("cam", outputs.ClassActivationMaps);
        Add("attention_logits", outputs.AttentionBranchLogits);
        return written;
    }

    /// <summary>Runs a command body; bad input becomes a one-line error and exit code 1, never a stack trace.</summary>
    internal static int Run(Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FormatException or IOException or UnauthorizedAccessException or TorchException or InvalidOperationException)
        {
            var message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
            Console.Error.WriteLine("error: " + message);
            return 1;
        }
    }
}
