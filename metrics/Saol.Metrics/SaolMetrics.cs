namespace Saol.Metrics;

/// <summary>
/// The product's metric set: every metric the coordinator and the workers export, by name. The Grafana dashboard
/// and the alerting rules in <c>k8s/</c> are written against these names (a test checks every panel's query).
/// Create the instruments with <see cref="Register"/>.
/// </summary>
public static class SaolMetrics
{
    // ---- worker: training ----

    /// <summary>Counter: optimizer steps this worker has completed.</summary>
    public const string TrainSteps = "saol_train_steps_total";

    /// <summary>Counter: training images this worker has processed (all of its devices).</summary>
    public const string TrainImages = "saol_train_images_total";

    /// <summary>Gauge: the training loss of the last step.</summary>
    public const string TrainLoss = "saol_train_loss";

    /// <summary>Gauge: the learning rate used by the last step (warm-up, then step or cosine).</summary>
    public const string TrainLearningRate = "saol_train_learning_rate";

    /// <summary>Gauge: the epoch of the last step (0-based).</summary>
    public const string TrainEpoch = "saol_train_epoch";

    /// <summary>Histogram: wall time of one training step (forward, backward, all-reduce, optimizer), seconds.</summary>
    public const string StepDuration = "saol_step_duration_seconds";

    // ---- worker: ring all-reduce ----

    /// <summary>Histogram: time to all-reduce one step's gradients across the ring, seconds.</summary>
    public const string AllReduceDuration = "saol_allreduce_duration_seconds";

    /// <summary>Counter: bytes this worker sent to its ring neighbour.</summary>
    public const string AllReduceBytes = "saol_allreduce_bytes_total";

    // ---- checkpoints ----

    /// <summary>Counter: checkpoint writes, by <c>result</c> ("ok" or "error").</summary>
    public const string CheckpointWrites = "saol_checkpoint_writes_total";

    /// <summary>Histogram: time to write, fsync and commit one checkpoint, seconds.</summary>
    public const string CheckpointDuration = "saol_checkpoint_duration_seconds";

    /// <summary>Gauge: Unix time of the last committed checkpoint, seconds (checkpoint age = time() − this).</summary>
    public const string CheckpointLastSuccess = "saol_checkpoint_last_success_timestamp_seconds";

    // ---- coordinator ----

    /// <summary>Gauge: workers with a live heartbeat lease, over all jobs.</summary>
    public const string WorkersLive = "saol_workers_live";

    /// <summary>Gauge: jobs by <c>status</c> (pending, running, completed, failed, cancelled).</summary>
    public const string Jobs = "saol_jobs";

    /// <summary>Counter: generations formed (the first one of each job, then one per elastic re-formation).</summary>
    public const string Generations = "saol_generations_total";

    /// <summary>Counter: workers dropped because their heartbeat lease ran out.</summary>
    public const string WorkerLeaseExpirations = "saol_worker_lease_expirations_total";

    // ---- RPC (coordinator and worker peer service) ----

    /// <summary>Counter: RPCs handled, by <c>method</c> and gRPC status <c>code</c> (OK, UNAVAILABLE, …).</summary>
    public const string RpcRequests = "saol_rpc_requests_total";

    /// <summary>Histogram: RPC handling time by <c>method</c>, seconds.</summary>
    public const string RpcDuration = "saol_rpc_request_duration_seconds";

    private static readonly double[] s_stepBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private static readonly double[] s_allReduceBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] s_checkpointBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    private static readonly double[] s_rpcBuckets = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

    /// <summary>Every metric of the set, with its type, help, labels and buckets.</summary>
    public static IReadOnlyList<MetricDefinition> Definitions { get; } =
    [
        new(TrainSteps, MetricType.Counter, "Optimizer steps completed by this worker.", [], []),
        new(TrainImages, MetricType.Counter, "Training images processed by this worker, over all of its devices.", [], []),
        new(TrainLoss, MetricType.Gauge, "Training loss of the last step.", [], []),
        new(TrainLearningRate, MetricType.Gauge, "Learning rate used by the last step.", [], []),
        new(TrainEpoch, MetricType.Gauge, "Epoch of the last step (0-based).", [], []),
        new(StepDuration, MetricType.Histogram, "Wall time of one training step: forward, backward, all-reduce and optimizer.", [], s_stepBuckets),
        new(AllReduceDuration, MetricType.Histogram, "Time to all-reduce one step's gradients across the ring.", [], s_allReduceBuckets),
        new(AllReduceBytes, MetricType.Counter, "Bytes sent to the ring neighbour by the all-reduce.", [], []),
        new(CheckpointWrites, MetricType.Counter, "Checkpoint writes by result (ok, error).", ["result"], []),
        new(CheckpointDuration, MetricType.Histogram, "Time to write, fsync and commit one checkpoint.", [], s_checkpointBuckets),
        new(CheckpointLastSuccess, MetricType.Gauge, "Unix time of the last committed checkpoint.", [], []),
        new(WorkersLive, MetricType.Gauge, "Workers holding a live heartbeat lease, over all jobs.", [], []),
        new(Jobs, MetricType.Gauge, "Jobs by status.", ["status"], []),
        new(Generations, MetricType.Counter, "Generations formed (first formation and elastic re-formations).", [], []),
        new(WorkerLeaseExpirations, MetricType.Counter, "Workers dropped because their heartbeat lease ran out.", [], []),
        new(RpcRequests, MetricType.Counter, "RPCs handled, by method and gRPC status code.", ["method", "code"], []),
        new(RpcDuration, MetricType.Histogram, "RPC handling time by method.", ["method"], s_rpcBuckets),
    ];

    /// <summary>Creates every metric of the set in <paramref name="registry"/> and returns typed handles to them.</summary>
    public static SaolInstruments Register(MetricRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var metrics = Definitions.ToDictionary(d => d.Name, d => d.Register(registry), StringComparer.Ordinal);
        return new SaolInstruments(metrics);
    }
}

/// <summary>Typed handles to the product's metric set in one registry (see <see cref="SaolMetrics"/>).</summary>
public sealed class SaolInstruments
{
    internal SaolInstruments(IReadOnlyDictionary<string, Metric> metrics)
    {
        TrainSteps = (Counter)metrics[SaolMetrics.TrainSteps];
        TrainImages = (Counter)metrics[SaolMetrics.TrainImages];
        TrainLoss = (Gauge)metrics[SaolMetrics.TrainLoss];
        TrainLearningRate = (Gauge)metrics[SaolMetrics.TrainLearningRate];
        TrainEpoch = (Gauge)metrics[SaolMetrics.TrainEpoch];
        StepDuration = (Histogram)metrics[SaolMetrics.StepDuration];
        AllReduceDuration = (Histogram)metrics[SaolMetrics.AllReduceDuration];
        AllReduceBytes = (Counter)metrics[SaolMetrics.AllReduceBytes];
        CheckpointWrites = (Counter)metrics[SaolMetrics.CheckpointWrites];
        CheckpointDuration = (Histogram)metrics[SaolMetrics.CheckpointDuration];
        CheckpointLastSuccess = (Gauge)metrics[SaolMetrics.CheckpointLastSuccess];
        WorkersLive = (Gauge)metrics[SaolMetrics.WorkersLive];
        Jobs = (Gauge)metrics[SaolMetrics.Jobs];
        Generations = (Counter)metrics[SaolMetrics.Generations];
        WorkerLeaseExpirations = (Counter)metrics[SaolMetrics.WorkerLeaseExpirations];
        RpcRequests = (Counter)metrics[SaolMetrics.RpcRequests];
        RpcDuration = (Histogram)metrics[SaolMetrics.RpcDuration];
    }

    /// <summary><see cref="SaolMetrics.TrainSteps"/>.</summary>
    public Counter TrainSteps { get; }

    /// <summary><see cref="SaolMetrics.TrainImages"/>.</summary>
    public Counter TrainImages { get; }

    /// <summary><see cref="SaolMetrics.TrainLoss"/>.</summary>
    public Gauge TrainLoss { get; }

    /// <summary><see cref="SaolMetrics.TrainLearningRate"/>.</summary>
    public Gauge TrainLearningRate { get; }

    /// <summary><see cref="SaolMetrics.TrainEpoch"/>.</summary>
    public Gauge TrainEpoch { get; }

    /// <summary><see cref="SaolMetrics.StepDuration"/>.</summary>
    public Histogram StepDuration { get; }

    /// <summary><see cref="SaolMetrics.AllReduceDuration"/>.</summary>
    public Histogram AllReduceDuration { get; }

    /// <summary><see cref="SaolMetrics.AllReduceBytes"/>.</summary>
    public Counter AllReduceBytes { get; }

    /// <summary><see cref="SaolMetrics.CheckpointWrites"/> (label <c>result</c>).</summary>
    public Counter CheckpointWrites { get; }

    /// <summary><see cref="SaolMetrics.CheckpointDuration"/>.</summary>
    public Histogram CheckpointDuration { get; }

    /// <summary><see cref="SaolMetrics.CheckpointLastSuccess"/>.</summary>
    public Gauge CheckpointLastSuccess { get; }

    /// <summary><see cref="SaolMetrics.WorkersLive"/>.</summary>
    public Gauge WorkersLive { get; }

    /// <summary><see cref="SaolMetrics.Jobs"/> (label <c>status</c>).</summary>
    public Gauge Jobs { get; }

    /// <summary><see cref="SaolMetrics.Generations"/>.</summary>
    public Counter Generations { get; }

    /// <summary><see cref="SaolMetrics.WorkerLeaseExpirations"/>.</summary>
    public Counter WorkerLeaseExpirations { get; }

    /// <summary><see cref="SaolMetrics.RpcRequests"/> (labels <c>method</c>, <c>code</c>).</summary>
    public Counter RpcRequests { get; }

    /// <summary><see cref="SaolMetrics.RpcDuration"/> (label <c>method</c>).</summary>
    public Histogram RpcDuration { get; }
}
