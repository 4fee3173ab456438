using System.CommandLine;
using Saol.Cli.Connection;
using Saol.Cli.Rendering;

namespace Saol.Cli.Commands;

/// <summary><c>saol watch &lt;job&gt;</c>: the live progress bar until the job ends; exits 0 when it succeeded.</summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("job") { Description = "The job id" };
        var command = new Command("watch", "Follow a job with a live progress bar (step, epoch, loss, images/s, ETA) until it ends") { job };
        command.WithConnection();
        command.SetAction((parse, ct) => CoordinatorConnection.RunAsync(parse, async client =>
        {
            var final = await JobWatcher.WatchAsync(client, parse.GetValue(job)!, ct).ConfigureAwait(false);
            Console.WriteLine(final.Message);
            return JobWatcher.ExitCode(final);
        }));
        return command;
    }
}
