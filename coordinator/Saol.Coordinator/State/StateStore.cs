using Saol.Coordinator.State.Internal;

namespace Saol.Coordinator.State;

/// <summary>Creates <see cref="IStateStore"/> instances.</summary>
public static class StateStore
{
    /// <summary>
    /// A store held in this process (the embedded default for single-machine runs): fast, and gone when the process ends.
    /// </summary>
    /// <param name="timeProvider">The clock for timestamps and leases; defaults to <see cref="TimeProvider.System"/>.</param>
    public static IStateStore CreateInMemory(TimeProvider? timeProvider = null) => new InMemoryStateStore(timeProvider ?? TimeProvider.System);
}
