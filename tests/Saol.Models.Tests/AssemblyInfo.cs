using Xunit;

// libtorch's default generator is process-wide, and model construction (ModelFactory.Create with
// a seed), the oracle inputs and the training test all seed it: classes running in parallel
// interleave their draws (seen: ModelFactoryTests.Create_SameSeed_SameWeights failing
// 1 run in 4). The suite runs sequentially, as Saol.Torch.Tests does.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
