using Saol.TestKit;
using Xunit;

namespace Saol.Metrics.Tests;

/// <summary>Prometheus's own linter and parser (<c>promtool check metrics</c>) on what we write.</summary>
public sealed class PromtoolTests
{
    [Fact]
    public void PromtoolCheckMetrics_FullProductSetWithValues_ReportsNoProblem()
    {
        var promtool = Services.RequireExecutable("promtool");
        var registry = new MetricRegistry();
        var m = SaolMetrics.Register(registry);
        m.TrainSteps.Inc(120);
        m.TrainImages.Inc(120 * 4096);
        m.TrainLoss.Set(2.75);
        m.TrainLearningRate.Set(1.6);
        m.StepDuration.Observe(0.42);
        m.AllReduceDuration.Observe(0.031);
        m.AllReduceBytes.Inc(2 * 7.0 / 8 * 102_228_128);
        m.CheckpointWrites.WithLabels("ok").Inc();
        m.CheckpointWrites.WithLabels("error").Inc();
        m.CheckpointLastSuccess.SetToTime(DateTimeOffset.UtcNow);
        m.Jobs.WithLabels("running").Set(1);
        m.Jobs.WithLabels("completed").Set(4);
        m.RpcRequests.WithLabels("SubmitJob", "OK").Inc();
        m.RpcRequests.WithLabels("weird \"method\"\\\n", "UNAVAILABLE").Inc();
        m.RpcDuration.WithLabels("SubmitJob").Observe(0.002);
        m.TrainEpoch.Set(double.NaN);
        m.WorkersLive.Set(double.PositiveInfinity);
        var result = Check(promtool, registry.Expose());
        Assert.True(result.ExitCode == 0 && result.StandardOutput.Length == 0 && result.StandardError.Length == 0,
            $"promtool exit {result.ExitCode}: {result.StandardOutput}{result.StandardError}");
    }

    [Fact]
    public void PromtoolCheckMetrics_MalformedInput_IsRejected()
    {
        // The check can fail: promtool does reject what is wrong, so a pass above means something.
        var promtool = Services.RequireExecutable("promtool");
        var result = Check(promtool, "# TYPE saol_x counter\nsaol_x{a=\"unterminated} 1\n");
        Assert.NotEqual(0, result.ExitCode);
    }

    private static ProcessResult Check(string promtool, string exposition)
    {
        using var dir = new TempDir("saol-promtool-");
        var input = dir.File("metrics.txt");
        File.WriteAllText(input, exposition);
        // promtool reads the exposition on stdin; the shell redirect keeps ProcessRunner's interface.
        return ProcessRunner.Run("/bin/sh", ["-c", "exec \"$0\" check metrics < \"$1\"", promtool, input], TimeSpan.FromSeconds(60));
    }
}
