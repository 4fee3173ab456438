using System.CommandLine;
using Saol.Rpc;
using Pb = Saol.Protos.V1;

namespace Saol.Cli.Connection;

/// <summary>The options every client command shares: where the coordinator is and the token to show it.</summary>
internal static class CoordinatorConnection
{
    /// <summary>The default address (a coordinator on this machine).</summary>
    public const string DefaultAddress = "http://127.0.0.1:50051";

    public static readonly Option<string> Address = new("--coordinator")
    {
        Description = "The coordinator's address (env SAOL_COORDINATOR; default " + DefaultAddress + ")",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SAOL_COORDINATOR") ?? DefaultAddress,
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "Bearer token of the coordinator (env SAOL_TOKEN)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SAOL_TOKEN"),
        Recursive = true,
    };

    /// <summary>Adds the shared options to a command.</summary>
    public static Command WithConnection(this Command command)
    {
        command.Options.Add(Address);
        command.Options.Add(Token);
        return command;
    }

    /// <summary>A client of the coordinator the command line names; dispose the channel after use.</summary>
    public static (RpcChannel Channel, Pb.CoordinatorService.CoordinatorServiceClient Client) Connect(ParseResult parse)
    {
        var address = parse.GetValue(Address) ?? DefaultAddress;
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"--coordinator must be an http:// or https:// address, got '{address}'");
        }
        var channel = RpcChannel.ForAddress(uri, new RpcChannelOptions { BearerToken = parse.GetValue(Token) });
        return (channel, new Pb.CoordinatorService.CoordinatorServiceClient(channel));
    }

    /// <summary>Runs a client command, printing an RPC failure as one line and exit code 1 instead of a stack trace.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<Pb.CoordinatorService.CoordinatorServiceClient, Task<int>> body)
    {
        try
        {
            var (channel, client) = Connect(parse);
            using (channel)
            {
                return await body(client).ConfigureAwait(false);
            }
        }
        catch (RpcException e)
        {
            await Console.Error.WriteLineAsync($"saol: {e.Status.StatusCode}: {e.Status.Detail}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or IOException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync("saol: " + e.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
