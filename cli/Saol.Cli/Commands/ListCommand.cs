using System.CommandLine;
using Saol.Cli.Connection;
using Saol.Cli.Rendering;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Commands;

/// <summary><c>saol list</c>: every job, newest first.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List the coordinator's jobs, newest first");
        command.WithConnection();
        command.SetAction((parse, ct) => CoordinatorConnection.RunAsync(parse, async client =>
        {
            var jobs = new List<Pb.Job>();
            var token = "";
            do
            {
                var page = await client.ListJobsAsync(new Pb.ListJobsRequest { PageToken = token }, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);
                jobs.AddRange(page.Jobs);
                token = page.NextPageToken;
            }
            while (token.Length > 0);
            JobTable.Jobs(Console.Out, jobs);
            return 0;
        }));
        return command;
    }
}
