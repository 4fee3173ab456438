using System.CommandLine;
using Saol.Cli.Connection;
using Saol.Cli.Rendering;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Commands;

/// <summary><c>saol cancel &lt;job&gt;</c>: stops a job; its workers stop at their next heartbeat.</summary>
internal static class CancelCommand
{
    public static Command Create()
    {
        var job = new Argument<string>("job") { Description = "The job id" };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the job's message)" };
        var command = new Command("cancel", "Cancel a job") { job, reason };
        command.WithConnection();
        command.SetAction((parse, ct) => CoordinatorConnection.RunAsync(parse, async client =>
        {
            var result = await client.CancelJobAsync(new Pb.CancelJobRequest { JobId = parse.GetValue(job)!, Reason = parse.GetValue(reason) ?? "" }, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);
            Console.WriteLine($"{result.Id}: {ProgressLine.StateName(result.State)}");
            return 0;
        }));
        return command;
    }
}
