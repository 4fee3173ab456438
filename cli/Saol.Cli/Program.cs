using System.CommandLine;
using Saol.Cli;

var root = new RootCommand("saol — distributed training of image classifiers with the Spatially Attentive Output Layer");
foreach (var command in CliCommands.All())
{
    root.Subcommands.Add(command);
}
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
