using Saol.Collective.Internal.Hosting;

namespace Saol.Collective.Tests;

/// <summary>
/// xunit's entry point (as its generator writes it), plus one verb: <c>ring-member …</c> runs
/// this executable as a ring rank in its own process, so a test can kill a real peer process.
/// </summary>
internal static class Program
{
    public const string RingMemberVerb = "ring-member";

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == RingMemberVerb)
        {
            return RingMemberProcess.RunAsync(args[1..], Console.In, Console.Out).GetAwaiter().GetResult();
        }
        if (args.Any(arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions).GetAwaiter().GetResult();
        }
        return Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
    }
}
