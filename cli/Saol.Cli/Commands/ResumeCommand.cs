using System.CommandLine;
using Saol.Cli.Connection;
using Saol.Cli.Rendering;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Commands;

/// <summary>
/// <c>saol resume --from-checkpoint &lt;id|path&gt;</c>: continues training from a checkpoint. With
/// <c>--job</c>, a failed or cancelled job resumes under its own id; otherwise a new job starts from
/// the checkpoint (a catalog id or a checkpoint directory).
/// </summary>
internal static class ResumeCommand
{
    public static Command Create()
    {
        var from = new Option<string?>("--from-checkpoint") { Description = "A checkpoint id (see `saol checkpoints`) or a checkpoint directory" };
        var job = new Option<string?>("--job") { Description = "Resume this failed or cancelled job in place (default: the newest checkpoint of its catalog)" };
        var watch = new Option<bool>("--watch") { Description = "Follow the resumed job until it ends" };
        var command = new Command("resume", "Resume training from a checkpoint") { from, job, watch };
        command.WithConnection();
        command.Validators.Add(result =>
        {
            if (result.GetValue(from) is null && result.GetValue(job) is null)
            {
                result.AddError("--from-checkpoint or --job is required");
            }
        });
        command.SetAction((parse, ct) => CoordinatorConnection.RunAsync(parse, async client =>
        {
            var checkpoint = parse.GetValue(from);
            if (checkpoint is not null && parse.GetValue(job) is null && Directory.Exists(checkpoint))
            {
                checkpoint = Path.GetFullPath(checkpoint);
            }
            var result = await client.ResumeJobAsync(new Pb.ResumeJobRequest { JobId = parse.GetValue(job) ?? "", CheckpointId = checkpoint ?? "" }, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);
            Console.WriteLine(result.Id);
            if (!parse.GetValue(watch))
            {
                return 0;
            }
            var final = await JobWatcher.WatchAsync(client, result.Id, ct).ConfigureAwait(false);
            Console.WriteLine(final.Message);
            return JobWatcher.ExitCode(final);
        }));
        return command;
    }
}
