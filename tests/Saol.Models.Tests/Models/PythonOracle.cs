using System.Text.Json;
using Saol.TestKit;
using Xunit;

namespace Saol.Models.Tests.Models;

/// <summary>One run of tests/python/saol/oracle.py over a list of jobs (one python process per fixture).</summary>
internal static class PythonOracle
{
    public sealed record Job(string Kind, string Weights, string Input, string Out, bool Train = false, string? Arch = null, int Classes = 0);

    public static void Run(string workDir, IEnumerable<Job> jobs)
    {
        var jobsPath = Path.Combine(workDir, "jobs.json");
        File.WriteAllText(jobsPath, JsonSerializer.Serialize(jobs.Select(j => new Dictionary<string, object>
        {
            ["kind"] = j.Kind,
            ["weights"] = j.Weights,
            ["input"] = j.Input,
            ["out"] = j.Out,
            ["train"] = j.Train,
            ["arch"] = j.Arch ?? "",
            ["classes"] = j.Classes,
        })));
        var script = Repo.PathOf("tests", "python", "saol", "oracle.py");
        var result = ProcessRunner.Run(Services.Python, [script, jobsPath], TimeSpan.FromMinutes(5),
            environment: new Dictionary<string, string> { ["SAOL_NUM_THREADS"] = "2" });
        Assert.True(result.ExitCode == 0, "oracle failed:\n" + result.StandardError);
    }
}
