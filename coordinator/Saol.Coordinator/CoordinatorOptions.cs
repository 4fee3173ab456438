namespace Saol.Coordinator;

/// <summary>Settings of a coordinator; <see cref="Validate"/> runs at start-up.</summary>
public sealed class CoordinatorOptions
{
    /// <summary>A worker silent for this long is gone and its generation re-forms. Defaults to 30 s.</summary>
    public TimeSpan WorkerLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often workers send a heartbeat. Defaults to 2 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the monitor expires leases and forms generations. Defaults to 1 s.</summary>
    public TimeSpan MonitorInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Serves Prometheus metrics on this port at /metrics (0 picks a free one; null: none). Defaults to null.</summary>
    public int? MetricsPort { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (WorkerLease <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(WorkerLease)} must be positive, got {WorkerLease}");
        }
        if (HeartbeatInterval <= TimeSpan.Zero || HeartbeatInterval >= WorkerLease)
        {
            throw new ArgumentException($"{nameof(HeartbeatInterval)} must be positive and shorter than {nameof(WorkerLease)} ({WorkerLease}), got {HeartbeatInterval}");
        }
        if (MetricsPort is < 0 or > 65535)
        {
            throw new ArgumentException($"{nameof(MetricsPort)} must be in [0, 65535], got {MetricsPort}");
        }
        if (MonitorInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(MonitorInterval)} must be positive, got {MonitorInterval}");
        }
    }
}
