using System.CommandLine;
using Saol.Cli.Connection;
using Saol.Cli.Rendering;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Commands;

/// <summary><c>saol status &lt;job&gt;</c>: one job's state, progress, ranks and latest checkpoint.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("job") { Description = "The job id" };
        var command = new Command("status", "Show a job's state, progress, workers and latest checkpoint") { job };
        command.WithConnection();
        command.SetAction((parse, ct) => CoordinatorConnection.RunAsync(parse, async client =>
        {
            var result = await client.GetJobAsync(new Pb.GetJobRequest { JobId = parse.GetValue(job)! }, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);
            JobTable.Status(Console.Out, result);
            return 0;
        }));
        return command;
    }
}
