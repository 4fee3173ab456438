using Saol.TestKit;
using Saol.Torch.Serialization;

namespace Saol.Torch.Tests;

/// <summary>
/// Runs one oracle script of tests/python/torch under Debian's python3-torch: tensors go in and
/// come back as safetensors files, so one python process serves a whole test class.
/// </summary>
internal static class PythonOracle
{
    public static Dictionary<string, Tensor> Run(string script, IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, string>? metadata = null, params string[] extraArgs) =>
        Run(script, inputs, metadata, out _, extraArgs);

    public static Dictionary<string, Tensor> Run(string script, IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, string>? metadata, out IReadOnlyDictionary<string, string> outputMetadata, params string[] extraArgs)
    {
        Services.RequirePython("torch");
        using var dir = new TempDir("saol-oracle-");
        var inPath = dir.File("in.safetensors");
        var outPath = dir.File("out.safetensors");
        SafeTensors.Save(inputs, inPath, metadata);
        var result = ProcessRunner.Run(
            Services.Python,
            [Repo.PathOf("tests", "python", "torch", script), inPath, outPath, .. extraArgs],
            TimeSpan.FromMinutes(3),
            workingDirectory: Repo.PathOf("tests", "python", "torch"));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed with exit code {result.ExitCode}:\n{result.StandardError}");
        }
        return SafeTensors.Load(outPath, out outputMetadata);
    }
}

/// <summary>Tolerance checks against oracle values.</summary>
internal static class Close
{
    /// <summary>Asserts |actual - expected| &lt;= rtol·|expected| + atol everywhere, with a readable failure.</summary>
    public static void Assert(Tensor expected, Tensor actual, string what, double rtol = 1e-5, double atol = 1e-6)
    {
        Xunit.Assert.NotNull(actual);
        Xunit.Assert.Equal(expected.shape, actual.shape);
        Xunit.Assert.Equal(expected.dtype, actual.dtype);
        using var scope = torch.NewDisposeScope();
        var e = expected.to(ScalarType.Float64);
        var a = actual.to(ScalarType.Float64);
        var err = (a - e).abs();
        var bound = e.abs() * rtol + atol;
        var worst = (err - bound).max().item<double>();
        if (worst > 0)
        {
            var maxErr = err.max().item<double>();
            Xunit.Assert.Fail($"{what}: max abs error {maxErr:G4} exceeds rtol={rtol}, atol={atol} (expected {expected}, got {actual})");
        }
    }
}
