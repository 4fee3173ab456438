namespace Saol.Coordinator.State.Internal;

/// <summary>
/// The Lua scripts that make each multi-key change atomic in Redis (a script runs without interleaving) and publish
/// its notification in the same step, so a watcher never sees a notification before the change is readable.
/// </summary>
internal static class RedisScripts
{
    // KEYS: job, jobs, jobs-order. ARGV: core, created, progress, generation, job id, channel.
    public const string CreateJob = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'core', ARGV[1], 'created', ARGV[2], 'progress', ARGV[3], 'generation', ARGV[4], 'version', 1)
        redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[5])
        redis.call('PUBLISH', ARGV[6], 'Job')
        return 1
        """;

    // KEYS: job. ARGV: expected version, core, progress, generation, channel.
    // Returns {-1} when the job is missing, {0} on a version conflict, {new version, created} on success.
    public const string UpdateJob = """
        local v = redis.call('HGET', KEYS[1], 'version')
        if not v then return {-1} end
        if v ~= ARGV[1] then return {0} end
        redis.call('HSET', KEYS[1], 'core', ARGV[2], 'progress', ARGV[3], 'generation', ARGV[4])
        local nv = redis.call('HINCRBY', KEYS[1], 'version', 1)
        redis.call('PUBLISH', ARGV[5], 'Job')
        return {nv, redis.call('HGET', KEYS[1], 'created')}
        """;

    // KEYS: job. ARGV: generation, progress, channel. Returns -1 missing, 0 stale generation, 1 recorded.
    public const string ReportProgress = """
        local g = redis.call('HGET', KEYS[1], 'generation')
        if not g then return -1 end
        if g ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'progress', ARGV[2])
        redis.call('HINCRBY', KEYS[1], 'version', 1)
        redis.call('PUBLISH', ARGV[3], 'Progress')
        return 1
        """;

    // KEYS: job, workers, leases. ARGV: worker id, registration, lease expiry ms, channel.
    public const string RegisterWorker = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
        redis.call('PUBLISH', ARGV[4], 'Workers')
        return 1
        """;

    // KEYS: leases. ARGV: worker id, now ms, new expiry ms. An expired lease is not revived: the worker re-registers.
    public const string Heartbeat = """
        local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not s or tonumber(s) <= tonumber(ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
        return 1
        """;

    // KEYS: workers, leases. ARGV: now ms. Returns {registration, expiry, …} of the live workers.
    public const string LiveWorkers = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'WITHSCORES')
        local out = {}
        for i = 1, #ids, 2 do
          local w = redis.call('HGET', KEYS[1], ids[i])
          if w then out[#out + 1] = w; out[#out + 1] = ids[i + 1] end
        end
        return out
        """;

    // KEYS: workers, leases. ARGV: now ms, channel. Removes and returns {registration, expiry, …} of expired workers.
    public const string ExpireWorkers = """
        local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'WITHSCORES')
        local out = {}
        for i = 1, #ids, 2 do
          local w = redis.call('HGET', KEYS[1], ids[i])
          if w then out[#out + 1] = w; out[#out + 1] = ids[i + 1] end
          redis.call('HDEL', KEYS[1], ids[i])
          redis.call('ZREM', KEYS[2], ids[i])
        end
        if #ids > 0 then redis.call('PUBLISH', ARGV[2], 'Workers') end
        return out
        """;

    // KEYS: workers, leases. ARGV: worker id, channel.
    public const string RemoveWorker = """
        local removed = redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        if removed == 1 then redis.call('PUBLISH', ARGV[2], 'Workers') end
        return removed
        """;

    // KEYS: job, order, checkpoints, index, counter. ARGV: checkpoint id, record, job id, channel.
    public const string AddCheckpoint = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
        if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then return 0 end
        redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[5]), ARGV[1])
        redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
        redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
        redis.call('PUBLISH', ARGV[4], 'Checkpoints')
        return 1
        """;

    // KEYS: order, checkpoints. ARGV: first rank, last rank. Returns the records in commit order.
    public const string RangeCheckpoints = """
        local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])
        local out = {}
        for i = 1, #ids do out[i] = redis.call('HGET', KEYS[2], ids[i]) end
        return out
        """;

    // KEYS: order, checkpoints, index. ARGV: checkpoint id, channel.
    public const string RemoveCheckpoint = """
        if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('HDEL', KEYS[3], ARGV[1])
        redis.call('PUBLISH', ARGV[2], 'Checkpoints')
        return 1
        """;
}
