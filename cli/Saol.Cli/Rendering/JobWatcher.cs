using Saol.Rpc;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Rendering;

/// <summary>Follows a job's WatchJob stream with the progress line until the job ends.</summary>
internal static class JobWatcher
{
    /// <summary>Watches until the job reaches a terminal state; returns the last state seen.</summary>
    public static async Task<Pb.Job> WatchAsync(Pb.CoordinatorService.CoordinatorServiceClient client, string jobId, CancellationToken cancellationToken)
    {
        var line = new ProgressLine(Console.Out, !Console.IsOutputRedirected);
        Pb.Job? last = null;
        using var call = client.WatchJob(new Pb.WatchJobRequest { JobId = jobId }, cancellationToken: cancellationToken);
        await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (e.Kind is Pb.JobEventKind.StateChanged or Pb.JobEventKind.Generation && last is not null)
            {
                line.Break();
                // A terminal state's message is the caller's to print (the summary line comes last).
                var note = IsTerminal(e.Job.State) ? "" : " " + e.Message;
                Console.WriteLine($"{jobId}: {ProgressLine.StateName(e.Job.State)} (generation {e.Job.Generation}){note}");
            }
            last = e.Job;
            line.Update(e.Job, DateTimeOffset.UtcNow, force: IsTerminal(e.Job.State));
        }
        line.Break();
        return last ?? throw new RpcException(new Status(StatusCode.Unavailable, $"the watch of {jobId} ended without an event"));
    }

    private static bool IsTerminal(Pb.JobState state) => state is Pb.JobState.Succeeded or Pb.JobState.Failed or Pb.JobState.Cancelled;

    /// <summary>The exit code of a finished job: 0 when it succeeded.</summary>
    public static int ExitCode(Pb.Job job) => job.State == Pb.JobState.Succeeded ? 0 : 1;
}
