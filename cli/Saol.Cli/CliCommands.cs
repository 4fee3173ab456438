using System.CommandLine;

namespace Saol.Cli;

/// <summary>The registry of the CLI's commands; each command lives in its own file under Commands/.</summary>
internal static partial class CliCommands
{
    /// <summary>Every top-level command of <c>saol</c>.</summary>
    public static IEnumerable<Command> All()
    {
        yield return InfoCommand.Create();
        yield return ModelCommand.Create();
        yield return ExplainCommand.Create();
    }
}
