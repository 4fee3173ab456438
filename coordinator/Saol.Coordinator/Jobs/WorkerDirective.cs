namespace Saol.Coordinator.Jobs;

/// <summary>What a heartbeat tells a worker to do.</summary>
public enum WorkerDirective
{
    /// <summary>Keep training in the current generation.</summary>
    Continue,

    /// <summary>The generation changed (a member was lost or joined): stop and ask for a new assignment.</summary>
    Regroup,

    /// <summary>The job ended (completed, failed or cancelled): stop.</summary>
    Stop,

    /// <summary>The coordinator no longer knows this worker (its lease ran out): register again.</summary>
    Reregister,
}

/// <summary>A worker's assignment: its job, its rank and the generation's plan.</summary>
/// <param name="JobId">The job.</param>
/// <param name="WorkerId">The worker.</param>
/// <param name="Rank">Its rank in the generation.</param>
/// <param name="SpecJson">The job spec (canonical JSON).</param>
/// <param name="Plan">The generation's plan.</param>
public sealed record WorkerAssignment(string JobId, string WorkerId, int Rank, string SpecJson, GenerationPlan Plan);
