using Saol.Torch;

namespace Saol.Worker.Training;

/// <summary>
/// The network a worker trains, with the job's loss: the SAOL model and its losses in production,
/// any module with the same contract in tests.
/// </summary>
public interface ITrainingNetwork : IDisposable
{
    /// <summary>The module whose parameters and buffers are trained and checkpointed.</summary>
    torch.nn.Module Module { get; }

    /// <summary>
    /// The mean training loss of one micro-batch (a scalar with a graph). <paramref name="seed"/> fixes every
    /// random draw of the call (CutMix), so a rank replays the same step after a resume.
    /// </summary>
    Tensor Loss(Tensor images, Tensor labels, ulong seed);

    /// <summary>The predicted class of every image by the SAOL head and by the GAP-FC head (evaluation mode, no grad).</summary>
    (Tensor Saol, Tensor GapFc) Predict(Tensor images);

    /// <summary>
    /// What a tool needs to rebuild the module from a checkpoint's <c>model.safetensors</c> alone
    /// (<c>saol explain</c>): the model factory's description and the input pipeline. Written into
    /// the model file's metadata; empty for networks no factory can rebuild.
    /// </summary>
    IReadOnlyDictionary<string, string> Description => new Dictionary<string, string>();
}
