using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Saol.Checkpoints;
using Saol.Coordinator.Internal;
using Saol.Coordinator.State;
using Saol.Data.Sampling;
using Saol.Metrics;

namespace Saol.Coordinator.Jobs;

/// <summary>
/// The coordinator's logic, independent of the wire: accepts and validates jobs, registers workers,
/// forms generations (ranks, ring order, shard plan, the checkpoint to start from), hands out
/// assignments, watches heartbeats, records progress, evaluations and checkpoint commits (keeping
/// the last K), and ends jobs. Every bit of state lives in the <see cref="IStateStore"/>, so a
/// coordinator restarted against the same store carries on.
/// </summary>
public sealed class JobCoordinator
{
    private readonly IStateStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CoordinatorOptions _options;
    private readonly SaolInstruments? _metrics;
    // Consecutive failed generations per job, with the step they failed at; advisory, so memory is enough.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Step, int Count)> _failures = new(StringComparer.Ordinal);

    /// <summary>Creates the coordinator over <paramref name="store"/>.</summary>
    public JobCoordinator(IStateStore store, CoordinatorOptions? options = null, ILogger<JobCoordinator>? logger = null, TimeProvider? timeProvider = null, SaolInstruments? metrics = null)
    {
        _metrics = metrics;
        ArgumentNullException.ThrowIfNull(store);
        _options = options ?? new CoordinatorOptions();
        _options.Validate();
        _store = store;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The store behind this coordinator.</summary>
    public IStateStore Store => _store;

    /// <summary>The coordinator's settings.</summary>
    public CoordinatorOptions Options => _options;

    /// <summary>Validates and accepts a job spec (YAML or JSON text).</summary>
    /// <exception cref="JobSpecException">The spec is invalid; the message names the field.</exception>
    public Task<JobRecord> SubmitAsync(string specText, CancellationToken cancellationToken = default) =>
        SubmitAsync(JobSpecLoader.Parse(specText), cancellationToken);

    /// <summary>Validates and accepts a job spec.</summary>
    /// <exception cref="JobSpecException">The spec is invalid; the message names the field.</exception>
    public async Task<JobRecord> SubmitAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        JobSpecLoader.Validate(spec);
        CheckDataset(spec);
        var id = "job-" + await _store.NextIdAsync("job", cancellationToken).ConfigureAwait(false);
        var job = await _store.TryCreateJobAsync(JobRecord.New(id, JobSpecLoader.ToJson(spec), _time.GetUtcNow()), cancellationToken).ConfigureAwait(false)
            ?? throw new StateStoreException($"job id {id} was allocated twice");
        CoordinatorLog.JobSubmitted(_logger, id, spec.Name, spec.Cluster.Workers, spec.Cluster.DevicesPerWorker, spec.Training.GlobalBatch);
        return job;
    }

    /// <summary>
    /// Starts a new job that continues from a checkpoint: a catalog id, or the path of a checkpoint
    /// directory. The checkpoint is verified first (a checksum error refuses it); the new job takes the
    /// spec recorded in its manifest and its catalog starts with that checkpoint.
    /// </summary>
    /// <exception cref="CheckpointCorruptException">The checkpoint does not verify.</exception>
    /// <exception cref="ArgumentException">Neither a known id nor a checkpoint directory.</exception>
    public async Task<JobRecord> ResumeAsync(string checkpointIdOrPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointIdOrPath);
        LoadedCheckpoint checkpoint;
        if (Directory.Exists(checkpointIdOrPath))
        {
            checkpoint = CheckpointDirectory.Open(checkpointIdOrPath);
        }
        else if (IsCatalogId(checkpointIdOrPath) && await _store.GetCheckpointAsync(checkpointIdOrPath, cancellationToken).ConfigureAwait(false) is { } record)
        {
            checkpoint = CheckpointDirectory.Open(record.Path, record.ManifestSha256);
        }
        else
        {
            throw new ArgumentException($"'{checkpointIdOrPath}' is neither a checkpoint id in the catalog nor a checkpoint directory", nameof(checkpointIdOrPath));
        }
        var job = await SubmitAsync(checkpoint.Manifest.JobSpec.GetRawText(), cancellationToken).ConfigureAwait(false);
        var seed = new CheckpointRecord(CatalogId(job.Id, checkpoint.Manifest.CheckpointId), job.Id, checkpoint.Manifest.Step, checkpoint.Manifest.Epoch,
            checkpoint.Path, checkpoint.ManifestSha256, _time.GetUtcNow());
        await _store.TryAddCheckpointAsync(seed, cancellationToken).ConfigureAwait(false);
        return await _store.UpdateJobAsync(job.Id, j => j with { Message = $"resumes from {checkpoint.Path} (step {checkpoint.Manifest.Step})" }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Registers a worker with <paramref name="jobId"/>, or — when it is null — with the oldest job still
    /// waiting for workers. Forms the first generation as soon as enough workers are live.
    /// </summary>
    /// <returns>The job the worker joined.</returns>
    /// <exception cref="InvalidOperationException">No job is waiting for workers, or the job has ended.</exception>
    public async Task<string> RegisterWorkerAsync(string? jobId, WorkerRegistration registration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var job = await _store.GetJobAsync(jobId ?? await PickJobForWorkerAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)
            ?? throw new JobNotFoundException(jobId ?? "");
        if (job.IsTerminal)
        {
            throw new InvalidOperationException($"job {job.Id} is {job.Status.ToString().ToLowerInvariant()}; it takes no workers");
        }
        await _store.RegisterWorkerAsync(job.Id, registration, _options.WorkerLease, cancellationToken).ConfigureAwait(false);
        CoordinatorLog.WorkerRegistered(_logger, job.Id, registration.WorkerId, registration.Address);
        await TryFormGenerationAsync(job.Id, cancellationToken).ConfigureAwait(false);
        return job.Id;
    }

    /// <summary>The job a worker that named none joins: the oldest waiting for workers, else the oldest still running.</summary>
    /// <exception cref="InvalidOperationException">No job needs workers.</exception>
    public async Task<string> PickJobForWorkerAsync(CancellationToken cancellationToken = default)
    {
        var jobs = await _store.ListJobsAsync(cancellationToken).ConfigureAwait(false);
        var job = jobs.FirstOrDefault(j => j.Status == JobStatus.Pending) ?? jobs.FirstOrDefault(j => !j.IsTerminal)
            ?? throw new InvalidOperationException("no job is waiting for workers; submit one first");
        return job.Id;
    }

    /// <summary>Waits until a generation newer than <paramref name="afterGeneration"/> includes the worker, and returns its assignment.</summary>
    /// <exception cref="OperationCanceledException">The job ended before such a generation formed, or <paramref name="cancellationToken"/> fired.</exception>
    public async Task<WorkerAssignment> AwaitAssignmentAsync(string jobId, string workerId, long afterGeneration, CancellationToken cancellationToken = default)
    {
        await using var subscription = await _store.WatchJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new JobNotFoundException(jobId);
            if (job.IsTerminal)
            {
                throw new OperationCanceledException($"job {jobId} is {job.Status.ToString().ToLowerInvariant()}");
            }
            if (job.PlanJson is not null && job.Generation > afterGeneration)
            {
                var plan = GenerationPlan.FromJson(job.PlanJson);
                var rank = plan.RankOf(workerId);
                if (rank >= 0)
                {
                    return new WorkerAssignment(jobId, workerId, rank, job.SpecJson, plan);
                }
            }
            await subscription.Changes.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Extends the worker's lease and tells it whether to go on.</summary>
    public async Task<WorkerDirective> HeartbeatAsync(string jobId, string workerId, long generation, CancellationToken cancellationToken = default)
    {
        var job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new JobNotFoundException(jobId);
        if (job.IsTerminal)
        {
            return WorkerDirective.Stop;
        }
        if (!await _store.HeartbeatAsync(jobId, workerId, _options.WorkerLease, cancellationToken).ConfigureAwait(false))
        {
            return WorkerDirective.Reregister;
        }
        return job.PlanJson is not null && job.Generation == generation ? WorkerDirective.Continue : WorkerDirective.Regroup;
    }

    /// <summary>Records training progress of the job's current generation (reports of older generations are ignored).</summary>
    public async Task<bool> ReportProgressAsync(string jobId, long generation, long step, int epoch, double loss, double learningRate, double imagesPerSecond, CancellationToken cancellationToken = default)
    {
        var progress = new JobProgress(step, epoch, loss, learningRate, imagesPerSecond, _time.GetUtcNow());
        return await _store.ReportProgressAsync(jobId, generation, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records an epoch-end evaluation of both heads in the job's message.</summary>
    public async Task ReportEvaluationAsync(string jobId, long generation, int epoch, double accuracySaol, double accuracyGapFc, CancellationToken cancellationToken = default)
    {
        var message = new JobEvaluation(epoch, accuracySaol, accuracyGapFc).ToString();
        await _store.UpdateJobAsync(jobId, j => j.Generation != generation || j.IsTerminal || j.Message == message ? j : j with { Message = message }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Commits a checkpoint a worker has written (renamed into place and synced) to the job's catalog,
    /// then prunes the catalog to the newest <c>checkpoint.keep_last</c>, deleting the pruned directories
    /// that belong to this job.
    /// </summary>
    /// <returns>The catalogued checkpoint and the ids pruned from the catalog.</returns>
    public async Task<(CheckpointRecord Record, IReadOnlyList<string> Pruned)> CommitCheckpointAsync(string jobId, long generation, WrittenCheckpoint written, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(written);
        var job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new JobNotFoundException(jobId);
        if (job.Generation != generation)
        {
            throw new InvalidOperationException($"job {jobId} is at generation {job.Generation}; a checkpoint of generation {generation} is stale");
        }
        var record = new CheckpointRecord(CatalogId(jobId, written.Id), jobId, written.Step, written.Epoch, written.Path, written.ManifestSha256, _time.GetUtcNow());
        if (!await _store.TryAddCheckpointAsync(record, cancellationToken).ConfigureAwait(false))
        {
            // The same step again (a regrouped generation re-reached it): the directory was replaced, so is the record.
            await _store.RemoveCheckpointAsync(jobId, record.Id, cancellationToken).ConfigureAwait(false);
            await _store.TryAddCheckpointAsync(record, cancellationToken).ConfigureAwait(false);
        }
        CoordinatorLog.CheckpointCommitted(_logger, jobId, record.Id, record.Step);

        var spec = JobSpecLoader.Parse(job.SpecJson);
        var catalog = await _store.ListCheckpointsAsync(jobId, cancellationToken).ConfigureAwait(false);
        var ownRoot = Path.GetFullPath(CheckpointRoot(spec, jobId)) + Path.DirectorySeparatorChar;
        var prune = spec.Checkpoint.KeepLast == 0 ? 0 : Math.Max(0, catalog.Count - spec.Checkpoint.KeepLast);
        var pruned = new List<string>();
        foreach (var old in catalog.Take(prune))
        {
            pruned.Add(old.Id);
            await _store.RemoveCheckpointAsync(jobId, old.Id, cancellationToken).ConfigureAwait(false);
            // A resumed job's first entry is another job's checkpoint: never delete what is not ours.
            if (Path.GetFullPath(old.Path).StartsWith(ownRoot, StringComparison.Ordinal))
            {
                try
                {
                    CheckpointDirectory.Delete(old.Path);
                }
                catch (IOException e)
                {
                    CoordinatorLog.PruneFailed(_logger, jobId, old.Path, e);
                }
            }
        }
        return (record, pruned);
    }

    /// <summary>
    /// Reopens a failed or cancelled job: it keeps its id and forms a new generation that starts from
    /// <paramref name="checkpointId"/> (newer catalog entries are dropped), or from the newest valid
    /// checkpoint when that is null.
    /// </summary>
    /// <exception cref="InvalidOperationException">The job is not failed or cancelled, or the checkpoint is not in its catalog.</exception>
    public async Task<JobRecord> ReopenAsync(string jobId, string? checkpointId, CancellationToken cancellationToken = default)
    {
        var job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new JobNotFoundException(jobId);
        if (job.Status is not (JobStatus.Failed or JobStatus.Cancelled))
        {
            throw new InvalidOperationException($"job {jobId} is {job.Status.ToString().ToLowerInvariant()}; only failed or cancelled jobs resume");
        }
        var catalog = await _store.ListCheckpointsAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(checkpointId))
        {
            var index = catalog.ToList().FindIndex(c => c.Id == checkpointId);
            if (index < 0)
            {
                throw new InvalidOperationException($"checkpoint {checkpointId} is not in the catalog of job {jobId}");
            }
            CheckpointDirectory.Open(catalog[index].Path, catalog[index].ManifestSha256);
            foreach (var newer in catalog.Skip(index + 1))
            {
                await _store.RemoveCheckpointAsync(jobId, newer.Id, cancellationToken).ConfigureAwait(false);
            }
        }
        _failures.TryRemove(jobId, out _);
        job = await _store.UpdateJobAsync(jobId, j => j with { Status = JobStatus.Pending, PlanJson = null, Message = "resuming" }, cancellationToken).ConfigureAwait(false);
        await TryFormGenerationAsync(jobId, cancellationToken).ConfigureAwait(false);
        return await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? job;
    }

    /// <summary>
    /// A worker of the current generation failed (its error is usually a lost peer): the generation
    /// re-forms from the newest checkpoint; after <see cref="MaxGenerationFailures"/> failures in a row
    /// without progress the job fails with the error.
    /// </summary>
    public async Task WorkerFailedAsync(string jobId, string workerId, long generation, string error, CancellationToken cancellationToken = default)
    {
        var job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new JobNotFoundException(jobId);
        if (job.IsTerminal || job.Generation != generation || job.PlanJson is null)
        {
            return;
        }
        var (step, count) = _failures.GetValueOrDefault(jobId);
        count = step == job.Progress.Step ? count + 1 : 1;
        _failures[jobId] = (job.Progress.Step, count);
        if (count >= MaxGenerationFailures)
        {
            await FailAsync(jobId, generation, $"worker {workerId} failed ({count} generations in a row without progress): {error}", cancellationToken).ConfigureAwait(false);
            return;
        }
        CoordinatorLog.WorkerLost(_logger, jobId, workerId, generation);
        await _store.UpdateJobAsync(jobId, j => j.Generation != generation || j.IsTerminal ? j : j with
        {
            Status = JobStatus.Pending,
            PlanJson = null,
            Message = $"worker {workerId} failed: {error}; re-forming",
        }, cancellationToken).ConfigureAwait(false);
        await TryFormGenerationAsync(jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A worker's session ended (the process stopped or lost its connection): it leaves the job at once
    /// rather than when its lease runs out, and if it was a member of the current generation, the
    /// generation re-forms without it (from the newest checkpoint).
    /// </summary>
    public async Task WorkerLeftAsync(string jobId, string workerId, CancellationToken cancellationToken = default)
    {
        await _store.RemoveWorkerAsync(jobId, workerId, cancellationToken).ConfigureAwait(false);
        var job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job is null || job.IsTerminal || job.PlanJson is null || GenerationPlan.FromJson(job.PlanJson).RankOf(workerId) < 0)
        {
            return;
        }
        CoordinatorLog.WorkerLost(_logger, jobId, workerId, job.Generation);
        await _store.UpdateJobAsync(jobId, j => j.Generation != job.Generation || j.IsTerminal || j.PlanJson is null ? j : j with
        {
            Status = JobStatus.Pending,
            PlanJson = null,
            Message = $"worker {workerId} left; waiting for workers to form generation {job.Generation + 1}",
        }, cancellationToken).ConfigureAwait(false);
        await TryFormGenerationAsync(jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Generations in a row that may fail without a step of progress before the job fails. 3.</summary>
    public const int MaxGenerationFailures = 3;

    /// <summary>
    /// Rank 0 finished the run: the job completes with the summary line
    /// <c>test_accuracy_saol=… test_accuracy_gapfc=… checkpoint=…</c> (the last evaluation and the newest checkpoint).
    /// </summary>
    /// <remarks>Only rank 0's report counts: it commits the last checkpoint before it reports, the other ranks may finish earlier.</remarks>
    public async Task<JobRecord> WorkerDoneAsync(string jobId, string workerId, long generation, CancellationToken cancellationToken = default)
    {
        var job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new JobNotFoundException(jobId);
        if (job.IsTerminal || job.Generation != generation || job.PlanJson is null || GenerationPlan.FromJson(job.PlanJson).RankOf(workerId) != 0)
        {
            return job;
        }
        var latest = await _store.GetLatestCheckpointAsync(jobId, cancellationToken).ConfigureAwait(false);
        var evaluation = JobEvaluation.Parse(job.Message);
        var summary = FormattableString.Invariant($"test_accuracy_saol={evaluation?.AccuracySaol ?? double.NaN:F4} test_accuracy_gapfc={evaluation?.AccuracyGapFc ?? double.NaN:F4} checkpoint={latest?.Path ?? "none"}");
        return await CompleteAsync(jobId, generation, summary, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the job as completed, with its summary (final accuracies and checkpoint).</summary>
    public Task<JobRecord> CompleteAsync(string jobId, long generation, string summary, CancellationToken cancellationToken = default) =>
        FinishAsync(jobId, generation, JobStatus.Completed, summary, cancellationToken);

    /// <summary>Ends the job as failed with the reason a worker gave.</summary>
    public Task<JobRecord> FailAsync(string jobId, long generation, string reason, CancellationToken cancellationToken = default) =>
        FinishAsync(jobId, generation, JobStatus.Failed, reason, cancellationToken);

    /// <summary>Cancels the job; its workers stop at their next heartbeat.</summary>
    public Task<JobRecord> CancelAsync(string jobId, string? reason = null, CancellationToken cancellationToken = default) =>
        FinishAsync(jobId, generation: null, JobStatus.Cancelled, "cancelled: " + (reason ?? "on request"), cancellationToken);

    /// <summary>The job, or null.</summary>
    public Task<JobRecord?> GetJobAsync(string jobId, CancellationToken cancellationToken = default) => _store.GetJobAsync(jobId, cancellationToken);

    /// <summary>Every job, oldest first.</summary>
    public Task<IReadOnlyList<JobRecord>> ListJobsAsync(CancellationToken cancellationToken = default) => _store.ListJobsAsync(cancellationToken);

    /// <summary>The job's committed checkpoints, oldest first.</summary>
    public Task<IReadOnlyList<CheckpointRecord>> ListCheckpointsAsync(string jobId, CancellationToken cancellationToken = default) => _store.ListCheckpointsAsync(jobId, cancellationToken);

    /// <summary>The job's state now and after every change, until it ends (the terminal state is the last item).</summary>
    public async IAsyncEnumerable<JobRecord> WatchAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var subscription = await _store.WatchJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new JobNotFoundException(jobId);
            yield return job;
            if (job.IsTerminal)
            {
                yield break;
            }
            await subscription.Changes.ReadAsync(cancellationToken).ConfigureAwait(false);
            // Coalesce a burst of notifications into one snapshot.
            while (subscription.Changes.TryRead(out _))
            {
            }
        }
    }

    /// <summary>
    /// The monitor: every <paramref name="interval"/>, expires workers whose lease ran out, breaks the
    /// generation of any job that lost a member, and forms new generations where enough workers are live.
    /// Runs until <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task RunMonitorAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await CheckOnceAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One pass of the monitor over every live job.</summary>
    public async Task CheckOnceAsync(CancellationToken cancellationToken = default)
    {
        foreach (var job in await _store.ListJobsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (job.IsTerminal)
            {
                continue;
            }
            try
            {
                var expired = await _store.ExpireWorkersAsync(job.Id, cancellationToken).ConfigureAwait(false);
                _metrics?.WorkerLeaseExpirations.Inc(expired.Count);
                if (expired.Count > 0 && job.PlanJson is not null)
                {
                    var plan = GenerationPlan.FromJson(job.PlanJson);
                    var lost = expired.FirstOrDefault(w => plan.RankOf(w.WorkerId) >= 0);
                    if (lost is not null)
                    {
                        CoordinatorLog.WorkerLost(_logger, job.Id, lost.WorkerId, job.Generation);
                        await _store.UpdateJobAsync(job.Id, j => j.Generation != job.Generation || j.IsTerminal ? j : j with
                        {
                            Status = JobStatus.Pending,
                            PlanJson = null,
                            Message = $"worker {lost.WorkerId} lost; waiting for workers to form generation {job.Generation + 1}",
                        }, cancellationToken).ConfigureAwait(false);
                    }
                }
                await TryFormGenerationAsync(job.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StateStoreException or JobSpecException or IOException)
            {
                CoordinatorLog.MonitorFailed(_logger, job.Id, e);
            }
        }
    }

    /// <summary>The catalog id of a job's checkpoint: <c>&lt;job id&gt;.&lt;checkpoint id&gt;</c> (e.g. <c>job-3.step-00000120</c>).</summary>
    public static string CatalogId(string jobId, string checkpointId) => jobId + "." + checkpointId;

    private static bool IsCatalogId(string value) => value.Length is > 0 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>The directory holding a job's checkpoints: <c>checkpoint.directory/&lt;job id&gt;</c>.</summary>
    public static string CheckpointRoot(JobSpec spec, string jobId)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Path.Combine(spec.Checkpoint.Directory, jobId);
    }

    private async Task TryFormGenerationAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new JobNotFoundException(jobId);
        if (job.IsTerminal)
        {
            return;
        }
        var spec = JobSpecLoader.Parse(job.SpecJson);
        var live = await _store.ListLiveWorkersAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (job.PlanJson is not null)
        {
            // An elastic job running below full size grows again when workers come back.
            var world = GenerationPlan.FromJson(job.PlanJson).WorldSize;
            if (spec.Cluster.Elastic && world < spec.Cluster.Workers && live.Count > world)
            {
                job = await _store.UpdateJobAsync(jobId, j => j.Generation != job.Generation ? j : j with
                {
                    Status = JobStatus.Pending,
                    PlanJson = null,
                    Message = $"{live.Count} workers live; regrouping into generation {job.Generation + 1}",
                }, cancellationToken).ConfigureAwait(false);
            }
            if (job.PlanJson is not null)
            {
                return;
            }
        }
        // The first generation waits for the full size; after a loss an elastic job goes on with at least min_workers.
        var needed = job.Generation == 0 ? spec.Cluster.Workers : spec.MinimumWorkers();
        if (live.Count < needed)
        {
            return;
        }
        var members = live.Take(spec.Cluster.Workers).ToArray();
        var shard = ShardPlan.Create(spec.Training.GlobalBatch, members.Length, spec.Cluster.DevicesPerWorker, spec.Cluster.Elastic, spec.FullPerDeviceBatch());
        var datasetSize = spec.DatasetDescriptor().TrainCount();
        var stepsPerEpoch = DistributedSampler.StepsPerEpoch(datasetSize, spec.Training.GlobalBatch);
        var totalSteps = TrainingLength.TotalSteps(spec, datasetSize);
        var resume = await NewestValidCheckpointAsync(jobId, cancellationToken).ConfigureAwait(false);
        // Set by the application of the change that was written: a concurrent caller that lost the race writes nothing.
        var formedHere = false;
        var formed = await _store.UpdateJobAsync(jobId, j =>
        {
            formedHere = false;
            if (j.IsTerminal || j.PlanJson is not null)
            {
                return j;
            }
            formedHere = true;
            var ranks = members.Select((w, r) => new RankAssignment(r, w.WorkerId, w.Registration.Address, w.Registration.Devices)).ToArray();
            var plan = new GenerationPlan(j.Generation + 1, ranks, shard, datasetSize, stepsPerEpoch, totalSteps, resume);
            return j with { Status = JobStatus.Running, Generation = plan.Generation, PlanJson = plan.ToJson() };
        }, cancellationToken).ConfigureAwait(false);
        if (formedHere)
        {
            _metrics?.Generations.Inc();
            CoordinatorLog.GenerationFormed(_logger, jobId, formed.Generation, members.Length, shard.PerDeviceBatch, shard.AccumulationSteps, resume?.Step ?? 0);
        }
    }

    /// <summary>The newest catalog entry that verifies; entries that fail their checksums are dropped from the catalog.</summary>
    private async Task<ResumePoint?> NewestValidCheckpointAsync(string jobId, CancellationToken cancellationToken)
    {
        var catalog = await _store.ListCheckpointsAsync(jobId, cancellationToken).ConfigureAwait(false);
        var refused = new List<string>();
        var byPath = catalog.ToDictionary(c => Path.GetFullPath(c.Path), StringComparer.Ordinal);
        var loaded = CheckpointDirectory.OpenNewestValid(
            catalog.Reverse().Select(c => (c.Path, (string?)c.ManifestSha256)),
            (path, _) => refused.Add(path));
        foreach (var path in refused)
        {
            await _store.RemoveCheckpointAsync(jobId, byPath[Path.GetFullPath(path)].Id, cancellationToken).ConfigureAwait(false);
        }
        if (loaded is null)
        {
            return null;
        }
        var record = byPath[loaded.Path];
        return new ResumePoint(record.Id, record.Path, record.ManifestSha256, record.Step);
    }

    private async Task<JobRecord> FinishAsync(string jobId, long? generation, JobStatus status, string message, CancellationToken cancellationToken)
    {
        var job = await _store.UpdateJobAsync(jobId, j => j.IsTerminal || (generation is not null && j.Generation != generation) ? j : j with
        {
            Status = status,
            Message = message,
        }, cancellationToken).ConfigureAwait(false);
        if (job.Status == status)
        {
            CoordinatorLog.JobFinished(_logger, jobId, status.ToString().ToLowerInvariant(), message);
        }
        return job;
    }

    private static void CheckDataset(JobSpec spec)
    {
        int count;
        try
        {
            count = spec.DatasetDescriptor().TrainCount();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            var field = JobSpecLoader.CanonicalKind(spec.Dataset.Kind) == "imagefolder" ? "dataset.train_path" : "dataset.path";
            throw new JobSpecException([new JobSpecError(field, e.Message)]);
        }
        if (spec.Training.GlobalBatch > count)
        {
            throw new JobSpecException([new JobSpecError("training.global_batch", $"{spec.Training.GlobalBatch} is larger than the training set ({count} images)")]);
        }
    }
}
