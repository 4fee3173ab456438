using StackExchange.Redis;

namespace Saol.Coordinator.State.Internal;

internal sealed partial class RedisStateStore
{
    private static readonly RedisValue[] s_jobFields = ["core", "created", "progress", "version"];

    public async Task<JobRecord?> TryCreateJobAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        StoreArguments.Job(job);
        var created = await Call(Script(
            RedisScripts.CreateJob,
            [_keys.Job(job.Id), _keys.Jobs, _keys.JobsOrder],
            [Core(job), Serialize(job.CreatedAt, StateJsonContext.Default.DateTimeOffset), Serialize(job.Progress, StateJsonContext.Default.JobProgress), job.Generation, job.Id, (string)_keys.Changes(job.Id)!]),
            cancellationToken).ConfigureAwait(false);
        return (long)created == 1 ? job with { Version = 1 } : null;
    }

    public async Task<JobRecord?> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        var fields = await Call(Db.HashGetAsync(_keys.Job(jobId), s_jobFields), cancellationToken).ConfigureAwait(false);
        return fields[0].IsNull ? null : ReadJob(jobId, fields);
    }

    public async Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken = default)
    {
        var ids = await Call(Db.SortedSetRangeByRankAsync(_keys.Jobs), cancellationToken).ConfigureAwait(false);
        // Pipelined: every read is in flight before the first is awaited.
        var reads = ids.Select(id => (Id: (string)id!, Fields: Db.HashGetAsync(_keys.Job((string)id!), s_jobFields))).ToArray();
        var jobs = new List<JobRecord>(reads.Length);
        foreach (var (id, read) in reads)
        {
            var fields = await Call(read, cancellationToken).ConfigureAwait(false);
            if (!fields[0].IsNull)
            {
                jobs.Add(ReadJob(id, fields));
            }
        }
        return jobs;
    }

    public async Task<JobRecord?> TryUpdateJobAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        StoreArguments.Job(job);
        var result = (RedisResult[])(await Call(Script(
            RedisScripts.UpdateJob,
            [_keys.Job(job.Id)],
            [job.Version, Core(job), Serialize(job.Progress, StateJsonContext.Default.JobProgress), job.Generation, (string)_keys.Changes(job.Id)!]),
            cancellationToken).ConfigureAwait(false))!;
        var version = (long)result[0];
        return version switch
        {
            -1 => throw new JobNotFoundException(job.Id),
            0 => null,
            _ => job with
            {
                Version = version,
                CreatedAt = Deserialize((RedisValue)result[1], StateJsonContext.Default.DateTimeOffset, $"the creation time of job '{job.Id}'"),
            },
        };
    }

    public async Task<bool> ReportProgressAsync(string jobId, long generation, JobProgress progress, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        StoreArguments.Progress(progress);
        var result = (long)await Call(Script(
            RedisScripts.ReportProgress,
            [_keys.Job(jobId)],
            [generation, Serialize(progress, StateJsonContext.Default.JobProgress), (string)_keys.Changes(jobId)!]),
            cancellationToken).ConfigureAwait(false);
        return result == -1 ? throw new JobNotFoundException(jobId) : result == 1;
    }

    private static string Core(JobRecord job) =>
        Serialize(new StoredJob(job.SpecJson, job.Status, job.Generation, job.PlanJson, job.Message), StateJsonContext.Default.StoredJob);

    private static JobRecord ReadJob(string jobId, RedisValue[] fields)
    {
        var what = $"job '{jobId}'";
        var core = Deserialize(fields[0], StateJsonContext.Default.StoredJob, what);
        var created = Deserialize(fields[1], StateJsonContext.Default.DateTimeOffset, what + " (creation time)");
        var progress = Deserialize(fields[2], StateJsonContext.Default.JobProgress, what + " (progress)");
        if (!fields[3].TryParse(out long version))
        {
            throw new StateStoreException($"{what} in Redis has no readable version");
        }
        return new JobRecord(jobId, core.SpecJson, core.Status, core.Generation, core.PlanJson, progress, core.Message, created, version);
    }
}
