using System.Threading.Channels;

namespace Saol.Coordinator.State.Internal;

/// <summary>
/// The embedded store: plain collections behind one lock. Operations are short and never await inside the lock, so
/// one lock keeps every operation atomic (like a Redis script) without contention worth splitting for. Notifications
/// are written inside the lock too, which keeps them in change order; writing to a bounded drop-oldest channel never
/// blocks and never runs a reader's continuation inline.
/// </summary>
internal sealed class InMemoryStateStore(TimeProvider timeProvider) : IStateStore
{
    private readonly Lock _lock = new();
    private readonly StoreClock _clock = new(timeProvider);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JobEntry> _jobs = new(StringComparer.Ordinal);
    private readonly List<string> _jobOrder = [];
    private readonly Dictionary<string, CheckpointRecord> _checkpointIndex = new(StringComparer.Ordinal);
    // Keyed by job id rather than held by the job: a watch may begin before its job exists (the CLI can race a submit).
    private readonly Dictionary<string, List<Channel<JobChange>>> _watchers = new(StringComparer.Ordinal);
    private bool _disposed;

    public Task<long> NextIdAsync(string sequence, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(sequence, nameof(sequence));
        lock (_lock)
        {
            ThrowIfDisposed();
            _sequences.TryGetValue(sequence, out var last);
            _sequences[sequence] = ++last;
            return Task.FromResult(last);
        }
    }

    public Task<JobRecord?> TryCreateJobAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        StoreArguments.Job(job);
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_jobs.ContainsKey(job.Id))
            {
                return Task.FromResult<JobRecord?>(null);
            }
            var entry = new JobEntry(job with { Version = 1 });
            _jobs.Add(job.Id, entry);
            _jobOrder.Add(job.Id);
            Publish(job.Id, JobChangeKind.Job);
            return Task.FromResult<JobRecord?>(entry.Job);
        }
    }

    public Task<JobRecord?> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        lock (_lock)
        {
            ThrowIfDisposed();
            return Task.FromResult(_jobs.TryGetValue(jobId, out var entry) ? entry.Job : null);
        }
    }

    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            return Task.FromResult<IReadOnlyList<JobRecord>>(_jobOrder.Select(id => _jobs[id].Job).ToArray());
        }
    }

    public Task<JobRecord?> TryUpdateJobAsync(JobRecord job, CancellationToken cancellationToken = default)
    {
        StoreArguments.Job(job);
        lock (_lock)
        {
            var entry = Entry(job.Id);
            if (entry.Job.Version != job.Version)
            {
                return Task.FromResult<JobRecord?>(null);
            }
            entry.Job = job with { CreatedAt = entry.Job.CreatedAt, Version = job.Version + 1 };
            Publish(job.Id, JobChangeKind.Job);
            return Task.FromResult<JobRecord?>(entry.Job);
        }
    }

    public Task<bool> ReportProgressAsync(string jobId, long generation, JobProgress progress, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        StoreArguments.Progress(progress);
        lock (_lock)
        {
            var entry = Entry(jobId);
            if (entry.Job.Generation != generation)
            {
                return Task.FromResult(false);
            }
            entry.Job = entry.Job with { Progress = progress, Version = entry.Job.Version + 1 };
            Publish(jobId, JobChangeKind.Progress);
            return Task.FromResult(true);
        }
    }

    public Task<WorkerRecord> RegisterWorkerAsync(string jobId, WorkerRegistration registration, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        StoreArguments.Registration(registration);
        StoreArguments.Lease(lease);
        lock (_lock)
        {
            var entry = Entry(jobId);
            var now = _clock.Now();
            var worker = new WorkerRecord(jobId, registration, now, now + lease);
            entry.Workers[registration.WorkerId] = worker;
            Publish(jobId, JobChangeKind.Workers);
            return Task.FromResult(worker);
        }
    }

    public Task<bool> HeartbeatAsync(string jobId, string workerId, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        StoreArguments.Id(workerId, nameof(workerId));
        StoreArguments.Lease(lease);
        lock (_lock)
        {
            ThrowIfDisposed();
            var now = _clock.Now();
            if (!_jobs.TryGetValue(jobId, out var entry) || !entry.Workers.TryGetValue(workerId, out var worker) || worker.LeaseExpiresAt <= now)
            {
                return Task.FromResult(false);
            }
            entry.Workers[workerId] = worker with { LeaseExpiresAt = now + lease };
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<WorkerRecord>> ListLiveWorkersAsync(string jobId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Workers(jobId, live: true, remove: false));

    public Task<IReadOnlyList<WorkerRecord>> ExpireWorkersAsync(string jobId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Workers(jobId, live: false, remove: true));

    /// <summary>The job's live (or expired) workers as of now, optionally removing them, in one locked step.</summary>
    private IReadOnlyList<WorkerRecord> Workers(string jobId, bool live, bool remove)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        lock (_lock)
        {
            ThrowIfDisposed();
            if (!_jobs.TryGetValue(jobId, out var entry))
            {
                return [];
            }
            var now = _clock.Now();
            var selected = WorkerOrder.Sort(entry.Workers.Values.Where(w => w.LeaseExpiresAt > now == live));
            if (remove && selected.Count > 0)
            {
                foreach (var worker in selected)
                {
                    entry.Workers.Remove(worker.WorkerId);
                }
                Publish(jobId, JobChangeKind.Workers);
            }
            return selected;
        }
    }

    public Task<bool> RemoveWorkerAsync(string jobId, string workerId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        StoreArguments.Id(workerId, nameof(workerId));
        lock (_lock)
        {
            ThrowIfDisposed();
            if (!_jobs.TryGetValue(jobId, out var entry) || !entry.Workers.Remove(workerId))
            {
                return Task.FromResult(false);
            }
            Publish(jobId, JobChangeKind.Workers);
            return Task.FromResult(true);
        }
    }

    public Task<bool> TryAddCheckpointAsync(CheckpointRecord checkpoint, CancellationToken cancellationToken = default)
    {
        StoreArguments.Checkpoint(checkpoint);
        lock (_lock)
        {
            var entry = Entry(checkpoint.JobId);
            if (!_checkpointIndex.TryAdd(checkpoint.Id, checkpoint))
            {
                return Task.FromResult(false);
            }
            entry.Checkpoints.Add(checkpoint);
            Publish(checkpoint.JobId, JobChangeKind.Checkpoints);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<CheckpointRecord>> ListCheckpointsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        lock (_lock)
        {
            ThrowIfDisposed();
            return Task.FromResult<IReadOnlyList<CheckpointRecord>>(_jobs.TryGetValue(jobId, out var entry) ? entry.Checkpoints.ToArray() : []);
        }
    }

    public Task<CheckpointRecord?> GetLatestCheckpointAsync(string jobId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        lock (_lock)
        {
            ThrowIfDisposed();
            return Task.FromResult(_jobs.TryGetValue(jobId, out var entry) && entry.Checkpoints.Count > 0 ? entry.Checkpoints[^1] : null);
        }
    }

    public Task<CheckpointRecord?> GetCheckpointAsync(string checkpointId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(checkpointId, nameof(checkpointId));
        lock (_lock)
        {
            ThrowIfDisposed();
            return Task.FromResult(_checkpointIndex.GetValueOrDefault(checkpointId));
        }
    }

    public Task<bool> RemoveCheckpointAsync(string jobId, string checkpointId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        StoreArguments.Id(checkpointId, nameof(checkpointId));
        lock (_lock)
        {
            ThrowIfDisposed();
            if (!_jobs.TryGetValue(jobId, out var entry) || entry.Checkpoints.RemoveAll(c => c.Id == checkpointId) == 0)
            {
                return Task.FromResult(false);
            }
            _checkpointIndex.Remove(checkpointId);
            Publish(jobId, JobChangeKind.Checkpoints);
            return Task.FromResult(true);
        }
    }

    public Task<JobSubscription> WatchJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        lock (_lock)
        {
            ThrowIfDisposed();
            if (!_watchers.TryGetValue(jobId, out var channels))
            {
                _watchers[jobId] = channels = [];
            }
            var channel = JobSubscription.CreateChannel();
            channels.Add(channel);
            return Task.FromResult(new JobSubscription(jobId, channel, () =>
            {
                lock (_lock)
                {
                    channels.Remove(channel);
                }
                return ValueTask.CompletedTask;
            }));
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }
            _disposed = true;
            foreach (var channel in _watchers.Values.SelectMany(c => c))
            {
                channel.Writer.TryComplete();
            }
            _watchers.Clear();
        }
        return ValueTask.CompletedTask;
    }

    private void Publish(string jobId, JobChangeKind kind)
    {
        if (_watchers.TryGetValue(jobId, out var channels))
        {
            var change = new JobChange(jobId, kind);
            foreach (var channel in channels)
            {
                channel.Writer.TryWrite(change);
            }
        }
    }

    private JobEntry Entry(string jobId)
    {
        ThrowIfDisposed();
        return _jobs.TryGetValue(jobId, out var entry) ? entry : throw new JobNotFoundException(jobId);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private sealed class JobEntry(JobRecord job)
    {
        public JobRecord Job { get; set; } = job;

        public Dictionary<string, WorkerRecord> Workers { get; } = new(StringComparer.Ordinal);

        public List<CheckpointRecord> Checkpoints { get; } = [];
    }
}
