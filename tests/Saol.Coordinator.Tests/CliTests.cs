using System.Diagnostics;
using System.Text.RegularExpressions;
using Saol.Checkpoints;
using Saol.TestKit;
using Xunit;

namespace Saol.Coordinator.Tests;

/// <summary>The <c>saol</c> executable as a user runs it: real processes, a real coordinator and real worker processes.</summary>
public sealed partial class CliTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Saol()
    {
        var path = Repo.PathOf("cli", "Saol.Cli", "bin", Configuration, "net10.0", "saol.dll");
        Services.RequirePath(path);
        return path;
    }

    private static ProcessResult Run(params string[] args) =>
        ProcessRunner.Run("dotnet", [Saol(), .. args], s_timeout, environment: new Dictionary<string, string> { ["SAOL_NUM_THREADS"] = "1" });

    private string WriteSpec(string name, string batch = "16") => WriteFile(name, $"""
        name: cli-test
        seed: 3
        model:
          backbone: resnet20
        dataset:
          kind: synthetic
          synthetic_train_size: 64
          synthetic_test_size: 16
          synthetic_image_size: 16
          synthetic_classes: 4
        training:
          global_batch: {batch}
          epochs: 1
          base_lr: 0.1
          base_batch: 16
        checkpoint:
          directory: {_dir.File("checkpoints")}
          every_steps: 2
        """);

    private string WriteFile(string name, string text)
    {
        File.WriteAllText(_dir.File(name), text);
        return _dir.File(name);
    }

    [GeneratedRegex(@"^test_accuracy_saol=\d\.\d{4} test_accuracy_gapfc=\d\.\d{4} checkpoint=(/\S+)$")]
    private static partial Regex SummaryLine();

    [Fact]
    public void Local_TwoWorkerProcesses_TrainAndEndWithTheSummaryLine()
    {
        var result = Run("local", WriteSpec("job.yaml"), "--workers", "2", "--log-dir", _dir.File("logs"));
        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var summary = SummaryLine().Match(lines[^1]);
        Assert.True(summary.Success, result.StandardOutput);
        Assert.Contains("step 4/4", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(4, CheckpointDirectory.Open(summary.Groups[1].Value).Manifest.Step);
        Assert.Equal(2, Directory.GetFiles(_dir.File("logs"), "worker-*.log").Length);
    }

    [Fact]
    public void Submit_BadSpec_ExitsWithAMessageNamingTheField()
    {
        var result = Run("submit", WriteSpec("bad.yaml", batch: "0"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("training.global_batch", result.StandardError, StringComparison.Ordinal);
        var missing = Run("submit", _dir.File("missing.yaml"));
        Assert.NotEqual(0, missing.ExitCode);
    }

    [Fact]
    public async Task ClientCommands_AgainstACoordinatorProcess_SubmitListStatusCancel()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Saol(), "coordinator", "--port", "0", "--listen", "127.0.0.1" })
        {
            psi.ArgumentList.Add(a);
        }
        using var coordinator = Process.Start(psi)!;
        try
        {
            var banner = await coordinator.StandardOutput.ReadLineAsync().Timeout(s_timeout);
            var port = Regex.Match(banner ?? "", @"listening on 127\.0\.0\.1:(\d+)").Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(port), banner);
            var address = "http://127.0.0.1:" + port;

            var submit = Run("submit", WriteSpec("job.yaml"), "--coordinator", address);
            Assert.True(submit.ExitCode == 0, submit.StandardError);
            var jobId = submit.StandardOutput.Trim();
            Assert.Equal("job-1", jobId);

            var list = Run("list", "--coordinator", address);
            Assert.Contains("job-1", list.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("pending", list.StandardOutput, StringComparison.Ordinal);
            var status = Run("status", jobId, "--coordinator", address);
            Assert.Contains("state:      pending", status.StandardOutput, StringComparison.Ordinal);
            var checkpoints = Run("checkpoints", jobId, "--coordinator", address);
            Assert.Equal(0, checkpoints.ExitCode);

            var cancel = Run("cancel", jobId, "--reason", "test", "--coordinator", address);
            Assert.Contains("job-1: cancelled", cancel.StandardOutput, StringComparison.Ordinal);
            var watch = Run("watch", jobId, "--coordinator", address);
            Assert.Equal(1, watch.ExitCode);
            Assert.Contains("cancelled: test", watch.StandardOutput, StringComparison.Ordinal);

            var unknown = Run("status", "job-9", "--coordinator", address);
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("NotFound", unknown.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            coordinator.Kill(entireProcessTree: true);
            await coordinator.WaitForExitAsync().Timeout(s_timeout);
        }
    }
}
