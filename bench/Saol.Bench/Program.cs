using Saol.Bench;

// Each benchmark runs its peer in the same run and ends with one "<name>=<ratio>" line.
if (args.Length == 0 || !BenchmarkRegistry.TryGet(args[0], out var run))
{
    Console.Error.WriteLine($"usage: Saol.Bench <{string.Join('|', BenchmarkRegistry.Names)}> [options]");
    return 2;
}
return await run(args[1..]).ConfigureAwait(false);
