using System.Text.Json;
using Saol.Checkpoints;
using Saol.Torch;
using Saol.Torch.Optim;
using Saol.Torch.Serialization;

namespace Saol.Worker.Training;

/// <summary>
/// The training state as checkpoint files: <c>model.safetensors</c> (parameters, PyTorch names),
/// <c>buffers.safetensors</c> (BatchNorm running statistics and counters) and
/// <c>optimizer.safetensors</c> (SGD momentum buffers, torch.optim state_dict numbering).
/// </summary>
internal static class TrainingCheckpoint
{
    public const string ModelFile = "model.safetensors";
    public const string BuffersFile = "buffers.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";

    /// <param name="module">The trained module.</param>
    /// <param name="optimizer">Its optimizer (momentum buffers).</param>
    /// <param name="description">The model description (<see cref="ITrainingNetwork.Description"/>), written into model.safetensors only.</param>
    /// <param name="jobId">The job the checkpoint belongs to.</param>
    /// <param name="step">The optimizer step it was taken after.</param>
    public static IReadOnlyList<CheckpointPayload> Payloads(torch.nn.Module module, SGD optimizer, IReadOnlyDictionary<string, string> description, string jobId, long step)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            ["saol.job_id"] = jobId,
            ["saol.step"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var modelMetadata = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        foreach (var (key, value) in description)
        {
            modelMetadata[key] = value;
        }
        return
        [
            new(ModelFile, path => SafeTensors.Save(module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal), path, modelMetadata)),
            new(BuffersFile, path => SafeTensors.Save(module.named_buffers().ToDictionary(b => b.name, b => b.buffer, StringComparer.Ordinal), path, metadata)),
            new(OptimizerFile, path => SafeTensors.Save(optimizer.state_dict(), path, metadata)),
        ];
    }

    /// <summary>Loads the three files of a verified checkpoint into <paramref name="module"/> and <paramref name="optimizer"/>.</summary>
    public static void Restore(LoadedCheckpoint checkpoint, torch.nn.Module module, SGD optimizer)
    {
        var state = SafeTensors.Load(checkpoint.FileOf(ModelFile));
        var buffers = SafeTensors.Load(checkpoint.FileOf(BuffersFile));
        var momentum = SafeTensors.Load(checkpoint.FileOf(OptimizerFile));
        try
        {
            foreach (var (name, tensor) in buffers)
            {
                state.Add(name, tensor);
            }
            module.load_state_dict(state, strict: true);
            optimizer.load_state_dict(momentum);
        }
        finally
        {
            foreach (var t in state.Values.Concat(momentum.Values))
            {
                t.Dispose();
            }
        }
    }

    public static JsonElement SpecElement(string specJson)
    {
        using var document = JsonDocument.Parse(specJson);
        return document.RootElement.Clone();
    }
}
