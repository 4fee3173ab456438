using System.CommandLine;
using Saol.Cli.Connection;
using Saol.Cli.Rendering;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Commands;

/// <summary><c>saol checkpoints &lt;job&gt;</c>: the job's committed checkpoints, oldest first.</summary>
internal static class CheckpointsCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("job") { Description = "The job id" };
        var command = new Command("checkpoints", "List a job's committed checkpoints") { job };
        command.WithConnection();
        command.SetAction((parse, ct) => CoordinatorConnection.RunAsync(parse, async client =>
        {
            var result = await client.ListCheckpointsAsync(new Pb.ListCheckpointsRequest { JobId = parse.GetValue(job)! }, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);
            JobTable.Checkpoints(Console.Out, result.Checkpoints);
            return 0;
        }));
        return command;
    }
}
