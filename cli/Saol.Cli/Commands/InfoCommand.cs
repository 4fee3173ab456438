using System.CommandLine;
using Saol.Torch;

namespace Saol.Cli;

/// <summary><c>saol info</c>: what this machine offers the trainer (libtorch threads, CUDA devices).</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the libtorch runtime this build uses: threads and CUDA devices");
        command.SetAction(_ =>
        {
            var threads = torch.InitializeThreadsFromEnvironment();
            Console.WriteLine($"libtorch intra-op threads: {threads}");
            Console.WriteLine($"cuda devices: {torch.cuda.device_count()}");
            return 0;
        });
        return command;
    }
}
