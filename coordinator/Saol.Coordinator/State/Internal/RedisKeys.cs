using StackExchange.Redis;

namespace Saol.Coordinator.State.Internal;

/// <summary>
/// The Redis key layout under one prefix. Ids cannot contain ':' (see <see cref="StoreArguments.Id"/>), so no id can
/// make one job's key collide with another job's sub-key.
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>String counter per named sequence (<see cref="IStateStore.NextIdAsync"/>).</summary>
    public RedisKey Sequence(string name) => Prefix + "seq:" + name;

    /// <summary>Sorted set of job ids scored by creation order.</summary>
    public RedisKey Jobs => Prefix + "jobs";

    /// <summary>Counter giving each job its creation order.</summary>
    public RedisKey JobsOrder => Prefix + "jobs:order";

    /// <summary>Hash: core (JSON), created (JSON), progress (JSON), generation, version.</summary>
    public RedisKey Job(string jobId) => Prefix + "job:" + jobId;

    /// <summary>Hash: worker id → JSON registration.</summary>
    public RedisKey Workers(string jobId) => Prefix + "job:" + jobId + ":workers";

    /// <summary>Sorted set: worker id scored by lease expiry (Unix milliseconds).</summary>
    public RedisKey Leases(string jobId) => Prefix + "job:" + jobId + ":leases";

    /// <summary>Sorted set: checkpoint id scored by commit order.</summary>
    public RedisKey CheckpointOrder(string jobId) => Prefix + "job:" + jobId + ":ckpt-order";

    /// <summary>Counter giving each of the job's checkpoints its commit order.</summary>
    public RedisKey CheckpointCounter(string jobId) => Prefix + "job:" + jobId + ":ckpt-counter";

    /// <summary>Hash: checkpoint id → JSON record.</summary>
    public RedisKey Checkpoints(string jobId) => Prefix + "job:" + jobId + ":ckpts";

    /// <summary>Hash: checkpoint id → job id, for lookups by checkpoint id alone.</summary>
    public RedisKey CheckpointIndex => Prefix + "ckpt-index";

    /// <summary>Pub/sub channel of the job's change notifications (the message is the <see cref="JobChangeKind"/> name).</summary>
    public RedisChannel Changes(string jobId) => new(Prefix + "job:" + jobId + ":changes", RedisChannel.PatternMode.Literal);
}
