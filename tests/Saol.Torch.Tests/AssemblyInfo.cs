using Xunit;

// libtorch's default generator (manual_seed, get/set_rng_state, randn, dropout) is process-wide
// state, and nearly every class here seeds it: classes running in parallel interleave their
// draws and make seed-dependent assertions flaky. The suite is short, so it runs sequentially.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
