using System.Text.Json;
using Saol.TestKit;
using Xunit;

namespace Saol.Data.Tests.ImageFolder;

/// <summary>
/// One run of tests/python/imagefolder/oracle.py per test class: it writes a small ImageFolder tree
/// of real JPEGs made by PIL and what torchvision 0.14 makes of it (sample list, eval tensors, crop
/// tensors for given boxes, crop-parameter statistics).
/// </summary>
public sealed class TorchvisionOracle : IDisposable
{
    private readonly TempDir _dir = new("saol-imagefolder-");
    private readonly Lazy<string?> _run;

    public TorchvisionOracle() => _run = new Lazy<string?>(Run);

    public string Root => Path.Combine(_dir.Path, "train");

    public const int Side = 224;

    public const int ImageFloats = 3 * Side * Side;

    /// <summary>Runs the oracle once (or reports python missing as a skip / CI failure).</summary>
    public void Require()
    {
        Services.RequirePython("torch", "torchvision", "PIL", "numpy");
        var error = _run.Value;
        if (error is not null)
        {
            throw new InvalidOperationException("the torchvision oracle failed: " + error);
        }
    }

    public JsonElement Json(string name) => JsonDocument.Parse(File.ReadAllText(_dir.File(name))).RootElement;

    public float[] Floats(string name)
    {
        var bytes = File.ReadAllBytes(_dir.File(name));
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * 4);
        return values;
    }

    public void Dispose() => _dir.Dispose();

    private string? Run()
    {
        var result = ProcessRunner.Run(Services.Python, [Repo.PathOf("tests", "python", "imagefolder", "oracle.py"), _dir.Path], TimeSpan.FromMinutes(3));
        return result.ExitCode == 0 ? null : result.StandardError;
    }
}
