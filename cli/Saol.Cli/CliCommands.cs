using System.CommandLine;
using Saol.Cli.Commands;

namespace Saol.Cli;

/// <summary>The registry of the CLI's commands; each command lives in its own file under Commands/.</summary>
internal static partial class CliCommands
{
    /// <summary>Every top-level command of <c>saol</c>.</summary>
    public static IEnumerable<Command> All()
    {
        yield return InfoCommand.Create();
        yield return LocalCommand.Create();
        yield return CoordinatorCommand.Create();
        yield return WorkerCommand.Create();
        yield return SubmitCommand.Create();
        yield return StatusCommand.Create();
        yield return WatchCommand.Create();
        yield return ListCommand.Create();
        yield return CancelCommand.Create();
        yield return CheckpointsCommand.Create();
        yield return ResumeCommand.Create();
        yield return ModelCommand.Create();
        yield return ExplainCommand.Create();
    }
}
