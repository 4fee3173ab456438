using StackExchange.Redis;

namespace Saol.Coordinator.State.Internal;

internal sealed partial class RedisStateStore
{
    public async Task<bool> TryAddCheckpointAsync(CheckpointRecord checkpoint, CancellationToken cancellationToken = default)
    {
        StoreArguments.Checkpoint(checkpoint);
        var jobId = checkpoint.JobId;
        var result = (long)await Call(Script(
            RedisScripts.AddCheckpoint,
            [_keys.Job(jobId), _keys.CheckpointOrder(jobId), _keys.Checkpoints(jobId), _keys.CheckpointIndex, _keys.CheckpointCounter(jobId)],
            [checkpoint.Id, Serialize(checkpoint, StateJsonContext.Default.CheckpointRecord), jobId, (string)_keys.Changes(jobId)!]),
            cancellationToken).ConfigureAwait(false);
        return result == -1 ? throw new JobNotFoundException(jobId) : result == 1;
    }

    public async Task<IReadOnlyList<CheckpointRecord>> ListCheckpointsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        return await RangeCheckpointsAsync(jobId, 0, -1, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CheckpointRecord?> GetLatestCheckpointAsync(string jobId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        var last = await RangeCheckpointsAsync(jobId, -1, -1, cancellationToken).ConfigureAwait(false);
        return last.Count == 0 ? null : last[0];
    }

    public async Task<CheckpointRecord?> GetCheckpointAsync(string checkpointId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(checkpointId, nameof(checkpointId));
        var jobId = await Call(Db.HashGetAsync(_keys.CheckpointIndex, checkpointId), cancellationToken).ConfigureAwait(false);
        if (jobId.IsNull)
        {
            return null;
        }
        var value = await Call(Db.HashGetAsync(_keys.Checkpoints((string)jobId!), checkpointId), cancellationToken).ConfigureAwait(false);
        // Removed between the two reads: as if it had never been found.
        return value.IsNull ? null : Deserialize(value, StateJsonContext.Default.CheckpointRecord, $"checkpoint '{checkpointId}'");
    }

    public async Task<bool> RemoveCheckpointAsync(string jobId, string checkpointId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        StoreArguments.Id(checkpointId, nameof(checkpointId));
        var result = (long)await Call(Script(
            RedisScripts.RemoveCheckpoint,
            [_keys.CheckpointOrder(jobId), _keys.Checkpoints(jobId), _keys.CheckpointIndex],
            [checkpointId, (string)_keys.Changes(jobId)!]),
            cancellationToken).ConfigureAwait(false);
        return result == 1;
    }

    private async Task<IReadOnlyList<CheckpointRecord>> RangeCheckpointsAsync(string jobId, long first, long last, CancellationToken cancellationToken)
    {
        var result = await Call(Script(
            RedisScripts.RangeCheckpoints,
            [_keys.CheckpointOrder(jobId), _keys.Checkpoints(jobId)],
            [first, last]),
            cancellationToken).ConfigureAwait(false);
        return ((RedisValue[])result!).Select(v => Deserialize(v, StateJsonContext.Default.CheckpointRecord, $"a checkpoint of job '{jobId}'")).ToArray();
    }
}
