using System.Globalization;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Rendering;

/// <summary>
/// The live progress bar of a job: step, epoch, loss, images/s and ETA. On a terminal it redraws one
/// line in place; when the output is redirected it prints a line at most every few seconds.
/// </summary>
internal sealed class ProgressLine(TextWriter output, bool interactive)
{
    private const int Width = 30;
    private static readonly TimeSpan s_redirectedInterval = TimeSpan.FromSeconds(5);
    private DateTimeOffset _lastPrinted = DateTimeOffset.MinValue;
    private bool _open;

    /// <summary>Draws the job's progress (throttled when redirected, unless <paramref name="force"/>).</summary>
    public void Update(Pb.Job job, DateTimeOffset now, bool force = false)
    {
        var line = Format(job);
        if (interactive)
        {
            output.Write("\r\u001b[2K" + line);
            _open = true;
        }
        else if (force || now - _lastPrinted >= s_redirectedInterval)
        {
            output.WriteLine(line);
            _lastPrinted = now;
        }
        output.Flush();
    }

    /// <summary>Ends the in-place line (before other output).</summary>
    public void Break()
    {
        if (_open)
        {
            output.WriteLine();
            _open = false;
        }
    }

    /// <summary>The progress line of a job.</summary>
    public static string Format(Pb.Job job)
    {
        var p = job.Progress ?? new Pb.JobProgress();
        var total = Math.Max(p.TotalSteps, 1);
        var fraction = Math.Clamp((double)p.Step / total, 0, 1);
        var filled = (int)Math.Round(fraction * Width);
        var epochs = job.Spec?.Epochs ?? 0;
        var eta = p.ImagesPerSecond > 0 && p.TotalSteps > 0
            ? TimeSpan.FromSeconds((p.TotalSteps - p.Step) * (double)(job.Spec?.GlobalBatchSize ?? 0) / p.ImagesPerSecond)
            : (TimeSpan?)null;
        return string.Create(CultureInfo.InvariantCulture,
            $"{job.Id} [{new string('#', filled)}{new string('.', Width - filled)}] {fraction * 100,3:F0}% step {p.Step}/{p.TotalSteps} epoch {Math.Min(p.Epoch + 1, Math.Max(epochs, 1))}/{epochs} loss {p.Loss:F4} lr {p.Lr:G4} {p.ImagesPerSecond:F0} img/s ETA {(eta is { } e ? e.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "--:--:--")} {StateName(job.State)}");
    }

    /// <summary>A job state as a short lower-case word.</summary>
    public static string StateName(Pb.JobState state) => state switch
    {
        Pb.JobState.Pending => "pending",
        Pb.JobState.Running => "running",
        Pb.JobState.Reforming => "reforming",
        Pb.JobState.Succeeded => "succeeded",
        Pb.JobState.Failed => "failed",
        Pb.JobState.Cancelled => "cancelled",
        _ => "unknown",
    };
}
