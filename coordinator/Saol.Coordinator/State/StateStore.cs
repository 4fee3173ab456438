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

    /// <summary>
    /// Connects to Redis and returns a store over it. Every coordinator connected with the same configuration and
    /// prefix sees the same jobs, so a restarted coordinator picks up where it stopped. Disposing the store closes
    /// its one connection.
    /// </summary>
    /// <param name="configuration">A StackExchange.Redis configuration string, for example "redis:6379" or "127.0.0.1:6380,password=…".</param>
    /// <param name="keyPrefix">Prepended to every key and channel, so several deployments can share one Redis. Defaults to "saol:".</param>
    /// <param name="timeProvider">The clock for timestamps and leases; defaults to <see cref="TimeProvider.System"/>. Coordinators sharing a store need synchronised clocks.</param>
    /// <param name="cancellationToken">Stops waiting for the connection.</param>
    /// <exception cref="StateStoreException">Redis cannot be reached.</exception>
    public static async Task<IStateStore> ConnectRedisAsync(string configuration, string keyPrefix = "saol:", TimeProvider? timeProvider = null, CancellationToken cancellationToken = default) =>
        await RedisStateStore.ConnectAsync(configuration, keyPrefix, timeProvider ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
}
