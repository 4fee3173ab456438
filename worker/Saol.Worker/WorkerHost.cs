using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Saol.Checkpoints;
using Saol.Collective;
using Saol.Coordinator.Jobs;
using Saol.Coordinator.Service;
using Saol.Data;
using Saol.Metrics;
using Saol.Rpc;
using Saol.Rpc.Http2;
using Saol.Worker.Internal;
using Saol.Worker.Training;
using Pb = Saol.Protos.V1;

namespace Saol.Worker;

/// <summary>
/// A worker process: serves the ring's peer service, registers with the coordinator, keeps a session
/// (heartbeats out; assignments and directives in), trains each assignment it receives, reports
/// progress, evaluations and checkpoints, and leaves when the coordinator says the job has ended.
/// </summary>
public sealed class WorkerHost : IAsyncDisposable
{
    private readonly WorkerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Func<JobSpec, IImageDataset, ITrainingNetwork> _networkFactory;
    private readonly RingPeerService _peerService;
    private readonly StreamingServer _peerServer;
    private readonly RpcChannel _channel;
    private readonly Pb.CoordinatorService.CoordinatorServiceClient _client;
    private readonly DatasetCache _datasets = new();
    private readonly MetricRegistry _registry = new();
    private readonly SaolInstruments _metrics;
    private MetricsServer? _metricsServer;
    private readonly Lock _stateLock = new();
    private Pb.WorkerState _state = Pb.WorkerState.Idle;
    private long _generation;
    private long _step;
    private string _error = "";

    /// <summary>Creates a worker; <paramref name="networkFactory"/> builds the network of a job (the SAOL model unless told otherwise).</summary>
    public WorkerHost(WorkerOptions options, Func<JobSpec, IImageDataset, ITrainingNetwork>? networkFactory = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<WorkerHost>();
        _networkFactory = networkFactory ?? SaolTrainingNetwork.Create;
        _metrics = SaolMetrics.Register(_registry);
        _peerService = new RingPeerService(_loggerFactory);
        _peerServer = new StreamingServer(new StreamingServerOptions { Port = options.PeerPort, BearerToken = options.BearerToken }, _loggerFactory);
        _peerService.MapTo(_peerServer);
        _channel = RpcChannel.ForAddress(options.Coordinator!, new RpcChannelOptions { BearerToken = options.BearerToken });
        _client = new Pb.CoordinatorService.CoordinatorServiceClient(_channel);
    }

    /// <summary>The id the coordinator gave this worker (after registration).</summary>
    public string? WorkerId { get; private set; }

    /// <summary>The worker's metrics (training steps, images, loss, LR, step and all-reduce times, checkpoints).</summary>
    public MetricRegistry Metrics => _registry;

    /// <summary>The scrape URL when <see cref="WorkerOptions.MetricsPort"/> is set (after <see cref="RunAsync"/> started).</summary>
    public Uri? MetricsUrl => _metricsServer?.Url;

    /// <summary>
    /// Runs until the coordinator ends the session (the job ended) or <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <returns>True when the last assignment finished its run (the job completed on this worker).</returns>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        await _peerServer.StartAsync(cancellationToken).ConfigureAwait(false);
        if (_options.MetricsPort is { } metricsPort)
        {
            _metricsServer = await MetricsServer.StartAsync(_registry, new System.Net.IPEndPoint(System.Net.IPAddress.Any, metricsPort), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        var peerAddress = $"http://{_options.AdvertiseHost}:{_peerServer.Port}";
        var registration = await _client.RegisterWorkerAsync(new Pb.RegisterWorkerRequest
        {
            Host = Environment.MachineName,
            PeerAddress = peerAddress,
            DeviceCount = _options.Devices,
            DeviceType = "cpu",
            JobId = _options.JobId ?? "",
            Version = typeof(WorkerHost).Assembly.GetName().Version?.ToString() ?? "",
        }, cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
        WorkerId = registration.WorkerId;
        WorkerLog.Registered(_logger, registration.WorkerId, peerAddress);

        using var session = _client.WorkerSession(cancellationToken: cancellationToken);
        await session.RequestStream.WriteAsync(new Pb.WorkerMessage { Hello = new Pb.SessionHello { WorkerId = registration.WorkerId } }, cancellationToken).ConfigureAwait(false);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeats = HeartbeatLoopAsync(session.RequestStream, registration.HeartbeatInterval.ToTimeSpan(), stopping.Token);
        Run? current = null;
        var finished = false;
        try
        {
            await foreach (var message in session.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (message.KindCase == Pb.CoordinatorMessage.KindOneofCase.Assignment)
                {
                    await StopAsync(current).ConfigureAwait(false);
                    current = Start(message.Assignment, cancellationToken);
                }
                else if (message.Directive is { } directive)
                {
                    if (directive.Kind == Pb.DirectiveKind.Shutdown)
                    {
                        WorkerLog.Shutdown(_logger, directive.Reason);
                        break;
                    }
                    if (directive.Kind == Pb.DirectiveKind.Stop && current is not null && directive.Generation == current.Generation)
                    {
                        WorkerLog.Stopped(_logger, directive.Generation, directive.Reason);
                        await StopAsync(current).ConfigureAwait(false);
                        current = null;
                        SetState(Pb.WorkerState.Idle);
                    }
                }
            }
            finished = current is { Task.IsCompletedSuccessfully: true } && current.Task.Result;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            // Our own cancellation reached the session call first: report it as what it is.
            throw new OperationCanceledException("the worker was stopped", e, cancellationToken);
        }
        finally
        {
            await StopAsync(current).ConfigureAwait(false);
            await stopping.CancelAsync().ConfigureAwait(false);
            try
            {
                await heartbeats.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            catch (RpcException)
            {
                // The session is over; a heartbeat racing its end is expected.
            }
        }
        return finished;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_metricsServer is not null)
        {
            await _metricsServer.DisposeAsync().ConfigureAwait(false);
        }
        await _peerServer.DisposeAsync().ConfigureAwait(false);
        _channel.Dispose();
    }

    private async Task HeartbeatLoopAsync(IClientStreamWriter<Pb.WorkerMessage> requests, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            Pb.Heartbeat beat;
            lock (_stateLock)
            {
                beat = new Pb.Heartbeat { WorkerId = WorkerId!, Generation = _generation, State = _state, Step = _step, Error = _error };
            }
            await requests.WriteAsync(new Pb.WorkerMessage { Heartbeat = beat }, cancellationToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    private void SetState(Pb.WorkerState state, long? generation = null, string error = "")
    {
        lock (_stateLock)
        {
            _state = state;
            _generation = generation ?? _generation;
            _error = error;
        }
    }

    private Run Start(Pb.Assignment assignment, CancellationToken cancellationToken)
    {
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        SetState(Pb.WorkerState.Preparing, assignment.Generation);
        lock (_stateLock)
        {
            _step = assignment.Shard.StartStep;
        }
        var task = Task.Run(() => TrainAsync(assignment, cancel.Token), CancellationToken.None);
        return new Run(assignment.Generation, task, cancel);
    }

    private static async Task StopAsync(Run? run)
    {
        if (run is null)
        {
            return;
        }
        await run.Cancel.CancelAsync().ConfigureAwait(false);
        try
        {
            await run.Task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        run.Cancel.Dispose();
    }

    private async Task<bool> TrainAsync(Pb.Assignment assignment, CancellationToken cancellationToken)
    {
        try
        {
            var spec = JobSpecMapping.FromProto(assignment.Spec);
            var specJson = JobSpecLoader.ToJson(spec);
            WorkerLog.Assigned(_logger, assignment.JobId, assignment.Generation, assignment.Rank, assignment.WorldSize, assignment.Shard.StartStep);
            var (train, test) = _datasets.Get(spec);
            var shard = new ShardPlan(assignment.Shard.GlobalBatchSize, assignment.WorldSize, assignment.Shard.Devices, assignment.Shard.AccumulationSteps, assignment.Shard.PerDeviceBatch);
            var totalSteps = TrainingLength.TotalSteps(spec, train.Count);
            var membership = new RingMembership(assignment.JobId, assignment.Generation, assignment.Rank, [.. assignment.Ring.OrderBy(p => p.Rank).Select(p => new Uri(p.Address))]);
            await using var ring = await Collectives.JoinRingAsync(_peerService, membership, new CollectiveOptions { Timeout = _options.PeerTimeout },
                new StreamingClientOptions { BearerToken = _options.BearerToken }, _loggerFactory, cancellationToken).ConfigureAwait(false);

            // Every rank builds the network from the same seed, so the replicas start identical.
            Saol.Torch.torch.manual_seed(spec.Seed);
            using var network = _networkFactory(spec, train);
            using var events = new SessionEvents(this, assignment, cancellationToken);
            using var trainer = new Trainer(new TrainerSetup(assignment.JobId, spec, specJson, assignment.Rank, shard, totalSteps), network, train, test, ring, events, loaderThreads: _options.LoaderThreads);
            if (assignment.ResumeFrom is { Path.Length: > 0 } resume)
            {
                trainer.Restore(CheckpointDirectory.Open(resume.Path, resume.ManifestSha256));
            }
            SetState(Pb.WorkerState.Training);
            await trainer.RunAsync(events.Token).ConfigureAwait(false);
            WorkerLog.Finished(_logger, assignment.JobId, assignment.Rank, trainer.Step);
            SetState(Pb.WorkerState.Done);
            return true;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e)
        {
            WorkerLog.Failed(_logger, assignment.Generation, e);
            SetState(Pb.WorkerState.Failed, error: e.Message);
            return false;
        }
    }

    private sealed record Run(long Generation, Task<bool> Task, CancellationTokenSource Cancel);

    /// <summary>Forwards a trainer's events to the coordinator; only rank 0 reports, every rank tracks its step.</summary>
    private sealed class SessionEvents : ITrainingEvents, IDisposable
    {
        private readonly WorkerHost _host;
        private readonly Pb.Assignment _assignment;
        private readonly CancellationTokenSource _stale;
        private EvaluationReport? _evaluation;
        private StepReport? _last;

        public SessionEvents(WorkerHost host, Pb.Assignment assignment, CancellationToken cancellationToken)
        {
            _host = host;
            _assignment = assignment;
            _stale = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        }

        /// <summary>Cancelled when the run is stopped or the coordinator says the generation is no longer current.</summary>
        public CancellationToken Token => _stale.Token;

        public async Task StepCompletedAsync(StepReport report, CancellationToken cancellationToken)
        {
            lock (_host._stateLock)
            {
                _host._step = report.Step;
            }
            _last = report;
            var metrics = _host._metrics;
            metrics.TrainSteps.Inc();
            metrics.TrainImages.Inc(report.Images);
            metrics.TrainLoss.Set(report.Loss);
            metrics.TrainLearningRate.Set(report.LearningRate);
            metrics.TrainEpoch.Set(report.Epoch);
            metrics.StepDuration.Observe(report.Seconds);
            metrics.AllReduceDuration.Observe(report.AllReduceSeconds);
            if (_assignment.Rank == 0)
            {
                await ReportAsync(report, cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task EvaluatedAsync(EvaluationReport report, CancellationToken cancellationToken)
        {
            _evaluation = report;
            if (_assignment.Rank == 0 && _last is not null)
            {
                await ReportAsync(_last, cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task CheckpointWrittenAsync(WrittenCheckpoint checkpoint, double writeSeconds, CancellationToken cancellationToken)
        {
            SetCheckpointing(true);
            var result = "error";
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                await _host._client.CommitCheckpointAsync(new Pb.CommitCheckpointRequest
                {
                    Generation = _assignment.Generation,
                    WorkerId = _host.WorkerId!,
                    Checkpoint = new Pb.Checkpoint
                    {
                        JobId = _assignment.JobId,
                        Step = checkpoint.Step,
                        Epoch = checkpoint.Epoch,
                        Path = checkpoint.Path,
                        ManifestSha256 = checkpoint.ManifestSha256,
                        Generation = _assignment.Generation,
                    },
                }, cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
                result = "ok";
                _host._metrics.CheckpointLastSuccess.SetToTime(DateTimeOffset.UtcNow);
            }
            finally
            {
                _host._metrics.CheckpointWrites.WithLabels(result).Inc();
                _host._metrics.CheckpointDuration.Observe(writeSeconds + clock.Elapsed.TotalSeconds);
                SetCheckpointing(false);
            }
        }

        public void Dispose() => _stale.Dispose();

        private void SetCheckpointing(bool on) => _host.SetState(on ? Pb.WorkerState.Checkpointing : Pb.WorkerState.Training);

        private async Task ReportAsync(StepReport step, CancellationToken cancellationToken)
        {
            var progress = new Pb.JobProgress { Step = step.Step, Epoch = step.Epoch, Loss = step.Loss, Lr = step.LearningRate, ImagesPerSecond = step.ImagesPerSecond };
            if (_evaluation is { } evaluation)
            {
                progress.ValAccuracy = evaluation.AccuracySaol;
                progress.ValAccuracyGapfc = evaluation.AccuracyGapFc;
            }
            var ack = await _host._client.ReportProgressAsync(new Pb.ProgressReport
            {
                JobId = _assignment.JobId,
                Generation = _assignment.Generation,
                WorkerId = _host.WorkerId!,
                Progress = progress,
            }, cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            if (!ack.GenerationCurrent)
            {
                await _stale.CancelAsync().ConfigureAwait(false);
            }
        }
    }
}
