using System.Globalization;
using StackExchange.Redis;

namespace Saol.Coordinator.State.Internal;

internal sealed partial class RedisStateStore
{
    public async Task<WorkerRecord> RegisterWorkerAsync(string jobId, WorkerRegistration registration, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        StoreArguments.Registration(registration);
        StoreArguments.Lease(lease);
        var now = _clock.Now();
        var worker = new WorkerRecord(jobId, registration, now, now + lease);
        var result = (long)await Call(Script(
            RedisScripts.RegisterWorker,
            [_keys.Job(jobId), _keys.Workers(jobId), _keys.Leases(jobId)],
            [registration.WorkerId, Serialize(new StoredWorker(registration, now), StateJsonContext.Default.StoredWorker), StoreClock.ToMilliseconds(worker.LeaseExpiresAt), (string)_keys.Changes(jobId)!]),
            cancellationToken).ConfigureAwait(false);
        return result == -1 ? throw new JobNotFoundException(jobId) : worker;
    }

    public async Task<bool> HeartbeatAsync(string jobId, string workerId, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        StoreArguments.Id(workerId, nameof(workerId));
        StoreArguments.Lease(lease);
        var now = _clock.Now();
        var result = (long)await Call(Script(
            RedisScripts.Heartbeat,
            [_keys.Leases(jobId)],
            [workerId, StoreClock.ToMilliseconds(now), StoreClock.ToMilliseconds(now + lease)]),
            cancellationToken).ConfigureAwait(false);
        return result == 1;
    }

    public async Task<IReadOnlyList<WorkerRecord>> ListLiveWorkersAsync(string jobId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        var result = await Call(Script(
            RedisScripts.LiveWorkers,
            [_keys.Workers(jobId), _keys.Leases(jobId)],
            [StoreClock.ToMilliseconds(_clock.Now())]),
            cancellationToken).ConfigureAwait(false);
        return ReadWorkers(jobId, result);
    }

    public async Task<IReadOnlyList<WorkerRecord>> ExpireWorkersAsync(string jobId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        var result = await Call(Script(
            RedisScripts.ExpireWorkers,
            [_keys.Workers(jobId), _keys.Leases(jobId)],
            [StoreClock.ToMilliseconds(_clock.Now()), (string)_keys.Changes(jobId)!]),
            cancellationToken).ConfigureAwait(false);
        return ReadWorkers(jobId, result);
    }

    public async Task<bool> RemoveWorkerAsync(string jobId, string workerId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        StoreArguments.Id(workerId, nameof(workerId));
        var result = (long)await Call(Script(
            RedisScripts.RemoveWorker,
            [_keys.Workers(jobId), _keys.Leases(jobId)],
            [workerId, (string)_keys.Changes(jobId)!]),
            cancellationToken).ConfigureAwait(false);
        return result == 1;
    }

    /// <summary>Reads the flat {registration, lease expiry ms, …} array the worker scripts return.</summary>
    private static IReadOnlyList<WorkerRecord> ReadWorkers(string jobId, RedisResult result)
    {
        var values = (RedisValue[])result!;
        var workers = new List<WorkerRecord>(values.Length / 2);
        for (var i = 0; i + 1 < values.Length; i += 2)
        {
            var stored = Deserialize(values[i], StateJsonContext.Default.StoredWorker, $"a worker of job '{jobId}'");
            if (!long.TryParse((string)values[i + 1]!, NumberStyles.Integer, CultureInfo.InvariantCulture, out var expiry))
            {
                throw new StateStoreException($"worker '{stored.Registration.WorkerId}' of job '{jobId}' has an unreadable lease '{values[i + 1]}' in Redis");
            }
            workers.Add(new WorkerRecord(jobId, stored.Registration, stored.RegisteredAt, StoreClock.FromMilliseconds(expiry)));
        }
        return WorkerOrder.Sort(workers);
    }
}
