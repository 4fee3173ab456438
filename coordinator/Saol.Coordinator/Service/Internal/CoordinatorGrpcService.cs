using Google.Protobuf.WellKnownTypes;
using Saol.Checkpoints;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.State;
using Saol.Rpc;
using Pb = Saol.Protos.V1;

namespace Saol.Coordinator.Service.Internal;

/// <summary>The CoordinatorService on the wire: translates calls to <see cref="JobCoordinator"/> and errors to gRPC status codes.</summary>
internal sealed class CoordinatorGrpcService(JobCoordinator coordinator) : Pb.CoordinatorService.CoordinatorServiceBase
{
    private const char WorkerIdSeparator = '.';

    public override Task<Pb.SubmitJobResponse> SubmitJob(Pb.SubmitJobRequest request, ServerCallContext context) => Guard(async () =>
    {
        var spec = JobSpecMapping.FromProto(request.Spec ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "spec: required")));
        var job = await coordinator.SubmitAsync(spec, context.CancellationToken).ConfigureAwait(false);
        return new Pb.SubmitJobResponse { Job = await JobAsync(job, context.CancellationToken).ConfigureAwait(false) };
    });

    public override Task<Pb.Job> GetJob(Pb.GetJobRequest request, ServerCallContext context) => Guard(async () =>
        await JobAsync(await RequireJobAsync(request.JobId, context.CancellationToken).ConfigureAwait(false), context.CancellationToken).ConfigureAwait(false));

    public override Task<Pb.ListJobsResponse> ListJobs(Pb.ListJobsRequest request, ServerCallContext context) => Guard(async () =>
    {
        var pageSize = request.PageSize > 0 ? request.PageSize : 100;
        var skip = string.IsNullOrEmpty(request.PageToken) ? 0
            : int.TryParse(request.PageToken, System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 0 ? s
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_token '{request.PageToken}' is not a token this coordinator issued"));
        var jobs = (await coordinator.ListJobsAsync(context.CancellationToken).ConfigureAwait(false))
            .Where(j => request.States.Count == 0 || request.States.Contains(JobMapping.State(j)))
            .Reverse()
            .ToList();
        var response = new Pb.ListJobsResponse();
        foreach (var job in jobs.Skip(skip).Take(pageSize))
        {
            response.Jobs.Add(await JobAsync(job, context.CancellationToken).ConfigureAwait(false));
        }
        if (skip + pageSize < jobs.Count)
        {
            response.NextPageToken = (skip + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return response;
    });

    public override Task<Pb.Job> CancelJob(Pb.CancelJobRequest request, ServerCallContext context) => Guard(async () =>
    {
        await RequireJobAsync(request.JobId, context.CancellationToken).ConfigureAwait(false);
        var job = await coordinator.CancelAsync(request.JobId, string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason, context.CancellationToken).ConfigureAwait(false);
        return await JobAsync(job, context.CancellationToken).ConfigureAwait(false);
    });

    public override async Task WatchJob(Pb.WatchJobRequest request, IServerStreamWriter<Pb.JobEvent> responseStream, ServerCallContext context)
    {
        await Guard(async () =>
        {
            await RequireJobAsync(request.JobId, context.CancellationToken).ConfigureAwait(false);
            JobRecord? previous = null;
            string? previousCheckpoint = null;
            await foreach (var job in coordinator.WatchAsync(request.JobId, context.CancellationToken).ConfigureAwait(false))
            {
                var message = await JobAsync(job, context.CancellationToken).ConfigureAwait(false);
                var kind = previous is null ? Pb.JobEventKind.Snapshot
                    : previous.Status != job.Status ? Pb.JobEventKind.StateChanged
                    : previous.Generation != job.Generation ? Pb.JobEventKind.Generation
                    : previousCheckpoint != message.LatestCheckpointId ? Pb.JobEventKind.Checkpoint
                    : Pb.JobEventKind.Progress;
                await responseStream.WriteAsync(new Pb.JobEvent
                {
                    Kind = kind,
                    Job = message,
                    Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    Message = job.Message ?? "",
                }, context.CancellationToken).ConfigureAwait(false);
                previous = job;
                previousCheckpoint = message.LatestCheckpointId;
            }
            return true;
        }).ConfigureAwait(false);
    }

    public override Task<Pb.Job> ResumeJob(Pb.ResumeJobRequest request, ServerCallContext context) => Guard(async () =>
    {
        JobRecord job;
        if (!string.IsNullOrEmpty(request.JobId))
        {
            await RequireJobAsync(request.JobId, context.CancellationToken).ConfigureAwait(false);
            job = await coordinator.ReopenAsync(request.JobId, string.IsNullOrEmpty(request.CheckpointId) ? null : request.CheckpointId, context.CancellationToken).ConfigureAwait(false);
        }
        else if (!string.IsNullOrEmpty(request.CheckpointId))
        {
            // Without a job id, checkpoint_id is a catalog id or a checkpoint directory: a new job continues from it.
            job = await coordinator.ResumeAsync(request.CheckpointId, context.CancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "job_id or checkpoint_id: one is required"));
        }
        return await JobAsync(job, context.CancellationToken).ConfigureAwait(false);
    });

    public override Task<Pb.ListCheckpointsResponse> ListCheckpoints(Pb.ListCheckpointsRequest request, ServerCallContext context) => Guard(async () =>
    {
        await RequireJobAsync(request.JobId, context.CancellationToken).ConfigureAwait(false);
        var response = new Pb.ListCheckpointsResponse();
        foreach (var record in await coordinator.ListCheckpointsAsync(request.JobId, context.CancellationToken).ConfigureAwait(false))
        {
            response.Checkpoints.Add(JobMapping.Checkpoint(record));
        }
        return response;
    });

    public override Task<Pb.RegisterWorkerResponse> RegisterWorker(Pb.RegisterWorkerRequest request, ServerCallContext context) => Guard(async () =>
    {
        if (string.IsNullOrWhiteSpace(request.PeerAddress))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "peer_address: required"));
        }
        var jobId = string.IsNullOrEmpty(request.JobId) ? null : request.JobId;
        var jobForId = jobId ?? await coordinator.PickJobForWorkerAsync(context.CancellationToken).ConfigureAwait(false);
        var workerId = jobForId + WorkerIdSeparator + "worker-" + await coordinator.Store.NextIdAsync("worker", context.CancellationToken).ConfigureAwait(false);
        var registration = new WorkerRegistration(workerId, request.PeerAddress, Math.Max(1, request.DeviceCount), request.Host);
        await coordinator.RegisterWorkerAsync(jobForId, registration, context.CancellationToken).ConfigureAwait(false);
        return new Pb.RegisterWorkerResponse
        {
            WorkerId = workerId,
            HeartbeatInterval = Duration.FromTimeSpan(coordinator.Options.HeartbeatInterval),
            Lease = Duration.FromTimeSpan(coordinator.Options.WorkerLease),
        };
    });

    public override async Task WorkerSession(IAsyncStreamReader<Pb.WorkerMessage> requestStream, IServerStreamWriter<Pb.CoordinatorMessage> responseStream, ServerCallContext context)
    {
        await Guard(async () =>
        {
            var token = context.CancellationToken;
            if (!await requestStream.MoveNext(token).ConfigureAwait(false) || requestStream.Current.KindCase != Pb.WorkerMessage.KindOneofCase.Hello)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "a worker session starts with a hello"));
            }
            var workerId = requestStream.Current.Hello.WorkerId;
            var jobId = JobOfWorker(workerId);
            using var session = CancellationTokenSource.CreateLinkedTokenSource(token);
            var writeLock = new SemaphoreSlim(1, 1);
            async Task Send(Pb.CoordinatorMessage message)
            {
                await writeLock.WaitAsync(session.Token).ConfigureAwait(false);
                try
                {
                    await responseStream.WriteAsync(message, session.Token).ConfigureAwait(false);
                }
                finally
                {
                    writeLock.Release();
                }
            }

            var assignments = Task.Run(async () =>
            {
                long generation = 0;
                while (true)
                {
                    var assignment = await coordinator.AwaitAssignmentAsync(jobId, workerId, generation, session.Token).ConfigureAwait(false);
                    generation = assignment.Plan.Generation;
                    await Send(new Pb.CoordinatorMessage { Assignment = JobMapping.Assignment(assignment) }).ConfigureAwait(false);
                }
            }, session.Token);

            try
            {
                while (await requestStream.MoveNext(token).ConfigureAwait(false))
                {
                    var message = requestStream.Current;
                    if (message.KindCase != Pb.WorkerMessage.KindOneofCase.Heartbeat)
                    {
                        continue;
                    }
                    var beat = message.Heartbeat;
                    if (beat.State == Pb.WorkerState.Failed)
                    {
                        await coordinator.WorkerFailedAsync(jobId, workerId, beat.Generation, beat.Error, token).ConfigureAwait(false);
                    }
                    else if (beat.State == Pb.WorkerState.Done)
                    {
                        await coordinator.WorkerDoneAsync(jobId, workerId, beat.Generation, token).ConfigureAwait(false);
                    }
                    var directive = await coordinator.HeartbeatAsync(jobId, workerId, beat.Generation, token).ConfigureAwait(false);
                    switch (directive)
                    {
                        case WorkerDirective.Stop:
                            await Send(Directive(Pb.DirectiveKind.Shutdown, beat.Generation, "the job has ended")).ConfigureAwait(false);
                            return true;
                        case WorkerDirective.Reregister:
                            throw new RpcException(new Status(StatusCode.NotFound, $"worker {workerId} is not registered (its lease ran out); register again"));
                        case WorkerDirective.Regroup when beat.Generation > 0 && beat.State is Pb.WorkerState.Training or Pb.WorkerState.Preparing or Pb.WorkerState.Checkpointing:
                            await Send(Directive(Pb.DirectiveKind.Stop, beat.Generation, "the generation was replaced")).ConfigureAwait(false);
                            break;
                        default:
                            break;
                    }
                    if (assignments.IsFaulted)
                    {
                        await assignments.ConfigureAwait(false);
                    }
                }
                return true;
            }
            finally
            {
                // However the session ended (closed, cancelled, broken), the worker has left the job.
                await coordinator.WorkerLeftAsync(jobId, workerId, CancellationToken.None).ConfigureAwait(false);
                await session.CancelAsync().ConfigureAwait(false);
                try
                {
                    await assignments.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }).ConfigureAwait(false);
    }

    public override Task<Pb.ProgressAck> ReportProgress(Pb.ProgressReport request, ServerCallContext context) => Guard(async () =>
    {
        var p = request.Progress ?? new Pb.JobProgress();
        var current = await coordinator.ReportProgressAsync(request.JobId, request.Generation, p.Step, p.Epoch, p.Loss, p.Lr, p.ImagesPerSecond, context.CancellationToken).ConfigureAwait(false);
        if (current && (p.ValAccuracy > 0 || p.ValAccuracyGapfc > 0))
        {
            var job = await RequireJobAsync(request.JobId, context.CancellationToken).ConfigureAwait(false);
            var spec = JobSpecLoader.Parse(job.SpecJson);
            var steps = GenerationPlan.FromJson(job.PlanJson!).StepsPerEpoch;
            await coordinator.ReportEvaluationAsync(request.JobId, request.Generation, (int)Math.Min(spec.Training.Epochs, (p.Step + steps - 1) / steps), p.ValAccuracy, p.ValAccuracyGapfc, context.CancellationToken).ConfigureAwait(false);
        }
        return new Pb.ProgressAck { GenerationCurrent = current };
    });

    public override Task<Pb.CommitCheckpointResponse> CommitCheckpoint(Pb.CommitCheckpointRequest request, ServerCallContext context) => Guard(async () =>
    {
        var c = request.Checkpoint ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "checkpoint: required"));
        var jobId = string.IsNullOrEmpty(c.JobId) ? JobOfWorker(request.WorkerId) : c.JobId;
        var written = new WrittenCheckpoint(Path.GetFileName(c.Path.TrimEnd('/')), c.Path, c.Step, c.Epoch, c.ManifestSha256);
        var (record, pruned) = await coordinator.CommitCheckpointAsync(jobId, request.Generation, written, context.CancellationToken).ConfigureAwait(false);
        var response = new Pb.CommitCheckpointResponse { Checkpoint = JobMapping.Checkpoint(record, request.Generation) };
        response.PrunedCheckpointIds.Add(pruned);
        return response;
    });

    private static Pb.CoordinatorMessage Directive(Pb.DirectiveKind kind, long generation, string reason) =>
        new() { Directive = new Pb.Directive { Kind = kind, Generation = generation, Reason = reason } };

    private static string JobOfWorker(string workerId)
    {
        var cut = workerId.LastIndexOf(WorkerIdSeparator);
        return cut > 0 ? workerId[..cut] : throw new RpcException(new Status(StatusCode.InvalidArgument, $"worker_id '{workerId}' was not issued by this coordinator"));
    }

    private async Task<JobRecord> RequireJobAsync(string jobId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(jobId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "job_id: required"));
        }
        return await coordinator.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"job '{jobId}' does not exist"));
    }

    private async Task<Pb.Job> JobAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var live = await coordinator.Store.ListLiveWorkersAsync(job.Id, cancellationToken).ConfigureAwait(false);
        var latest = await coordinator.Store.GetLatestCheckpointAsync(job.Id, cancellationToken).ConfigureAwait(false);
        return JobMapping.Job(job, live, latest);
    }

    /// <summary>Turns the coordinator's exceptions into the status codes the contract names.</summary>
    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (JobSpecException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (CheckpointCorruptException e)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, e.Message));
        }
        catch (JobNotFoundException e)
        {
            throw new RpcException(new Status(StatusCode.NotFound, e.Message));
        }
        catch (InvalidOperationException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
    }
}
