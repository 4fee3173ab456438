namespace Saol.Coordinator.State;

/// <summary>What a worker tells the coordinator about itself when it joins a job.</summary>
/// <param name="WorkerId">The worker's id, unique within the job (re-registering the same id replaces the old entry).</param>
/// <param name="Address">Where its peer service listens for the ring (host:port).</param>
/// <param name="Devices">How many devices (GPUs, or CPU replicas) it trains on; at least 1.</param>
/// <param name="Node">The node (host name) it runs on, for placement and diagnostics.</param>
public sealed record WorkerRegistration(string WorkerId, string Address, int Devices, string Node);

/// <summary>A worker registered with a job, with its heartbeat lease.</summary>
/// <param name="JobId">The job the worker belongs to.</param>
/// <param name="Registration">What the worker registered with.</param>
/// <param name="RegisteredAt">When it (last) registered.</param>
/// <param name="LeaseExpiresAt">When it stops counting as live unless it heartbeats before then.</param>
public sealed record WorkerRecord(string JobId, WorkerRegistration Registration, DateTimeOffset RegisteredAt, DateTimeOffset LeaseExpiresAt)
{
    /// <summary>The worker's id (from its registration).</summary>
    public string WorkerId => Registration.WorkerId;
}
