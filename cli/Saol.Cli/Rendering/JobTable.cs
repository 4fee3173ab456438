using System.Globalization;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Rendering;

/// <summary>Plain-text tables of jobs and checkpoints.</summary>
internal static class JobTable
{
    public static void Jobs(TextWriter output, IEnumerable<Pb.Job> jobs)
    {
        output.WriteLine($"{"ID",-10} {"NAME",-16} {"STATE",-10} {"GEN",4} {"STEP",12} {"LOSS",8}  MESSAGE");
        foreach (var j in jobs)
        {
            var p = j.Progress ?? new Pb.JobProgress();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{j.Id,-10} {Truncate(j.Spec?.Name ?? "", 16),-16} {ProgressLine.StateName(j.State),-10} {j.Generation,4} {p.Step + "/" + p.TotalSteps,12} {p.Loss,8:F4}  {j.Message}"));
        }
    }

    public static void Status(TextWriter output, Pb.Job job)
    {
        output.WriteLine($"job:        {job.Id} ({job.Spec?.Name})");
        output.WriteLine($"state:      {ProgressLine.StateName(job.State)}, generation {job.Generation}");
        output.WriteLine($"progress:   {ProgressLine.Format(job)}");
        if (job.Progress is { ValAccuracy: > 0 } p)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy:   saol {p.ValAccuracy:F4}, gap-fc {p.ValAccuracyGapfc:F4}"));
        }
        foreach (var w in job.Workers)
        {
            output.WriteLine($"rank {w.Rank}:     {w.WorkerId} at {w.PeerAddress} ({w.DeviceCount} devices, host {w.Host})");
        }
        if (!string.IsNullOrEmpty(job.LatestCheckpointId))
        {
            output.WriteLine($"checkpoint: {job.LatestCheckpointId}");
        }
        if (!string.IsNullOrEmpty(job.Message))
        {
            output.WriteLine($"message:    {job.Message}");
        }
    }

    public static void Checkpoints(TextWriter output, IEnumerable<Pb.Checkpoint> checkpoints)
    {
        output.WriteLine($"{"ID",-28} {"STEP",8} {"EPOCH",6} {"BYTES",12}  PATH");
        foreach (var c in checkpoints)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Id,-28} {c.Step,8} {c.Epoch,6} {c.SizeBytes,12}  {c.Path}"));
        }
    }

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
