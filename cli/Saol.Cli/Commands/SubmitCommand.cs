using System.CommandLine;
using Saol.Cli.Connection;
using Saol.Cli.Rendering;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.Service;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Commands;

/// <summary><c>saol submit job.yaml [--watch]</c>: validates a job spec and queues it.</summary>
internal static class SubmitCommand
{
    public static Command Create()
    {
        var spec = new Argument<FileInfo>("spec") { Description = "The job spec (YAML or JSON)" };
        var watch = new Option<bool>("--watch") { Description = "Follow the job with the progress bar until it ends" };
        var command = new Command("submit", "Validate a job spec and queue it on the coordinator") { spec, watch };
        command.WithConnection();
        command.SetAction((parse, ct) => CoordinatorConnection.RunAsync(parse, async client =>
        {
            JobSpec parsed;
            try
            {
                parsed = JobSpecLoader.Load(parse.GetValue(spec)!.FullName);
                MakePathsAbsolute(parsed);
            }
            catch (Exception e) when (e is JobSpecException or FileNotFoundException)
            {
                await Console.Error.WriteLineAsync("saol: " + e.Message).ConfigureAwait(false);
                return 2;
            }
            var response = await client.SubmitJobAsync(new Pb.SubmitJobRequest { Spec = JobSpecMapping.ToProto(parsed) }, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);
            Console.WriteLine(response.Job.Id);
            if (!parse.GetValue(watch))
            {
                return 0;
            }
            var final = await JobWatcher.WatchAsync(client, response.Job.Id, ct).ConfigureAwait(false);
            Console.WriteLine(final.Message);
            return JobWatcher.ExitCode(final);
        }));
        return command;
    }

    /// <summary>Relative paths in a spec mean "from where the command runs"; the coordinator and workers may run elsewhere.</summary>
    internal static void MakePathsAbsolute(JobSpec spec)
    {
        spec.Checkpoint.Directory = Path.GetFullPath(spec.Checkpoint.Directory);
        if (spec.Dataset.Path is { Length: > 0 } data)
        {
            spec.Dataset.Path = Path.GetFullPath(data);
        }
    }
}
