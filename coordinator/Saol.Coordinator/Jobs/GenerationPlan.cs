using System.Text.Json;

namespace Saol.Coordinator.Jobs;

/// <summary>
/// One generation of a job: which worker has which rank (ring order = rank order), how the batch is
/// split, how long the run is, and the checkpoint every rank starts from. Stored as the job's plan JSON
/// and handed to each worker as its assignment.
/// </summary>
/// <param name="Generation">The generation number (1, 2, … — a new one after every membership change).</param>
/// <param name="Ranks">The members in rank order; rank r sends to rank (r + 1) mod W.</param>
/// <param name="Shard">The split of the global batch.</param>
/// <param name="DatasetSize">Training images.</param>
/// <param name="StepsPerEpoch">Optimiser steps per epoch.</param>
/// <param name="TotalSteps">Optimiser steps of the whole run.</param>
/// <param name="ResumeFrom">The checkpoint to start from, or null for a fresh start.</param>
public sealed record GenerationPlan(
    long Generation,
    IReadOnlyList<RankAssignment> Ranks,
    ShardPlan Shard,
    int DatasetSize,
    int StepsPerEpoch,
    long TotalSteps,
    ResumePoint? ResumeFrom)
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The world size W.</summary>
    public int WorldSize => Ranks.Count;

    /// <summary>The rank of <paramref name="workerId"/>, or -1 when it is not a member.</summary>
    public int RankOf(string workerId)
    {
        for (var i = 0; i < Ranks.Count; i++)
        {
            if (Ranks[i].WorkerId == workerId)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The plan as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Parses a plan.</summary>
    public static GenerationPlan FromJson(string json) =>
        JsonSerializer.Deserialize<GenerationPlan>(json, s_json) ?? throw new JsonException("empty generation plan");
}

/// <summary>One member of a generation.</summary>
/// <param name="Rank">Its rank.</param>
/// <param name="WorkerId">The worker.</param>
/// <param name="Address">Where its peer service listens (host:port).</param>
/// <param name="Devices">Its devices.</param>
public sealed record RankAssignment(int Rank, string WorkerId, string Address, int Devices);

/// <summary>A committed checkpoint a generation starts from.</summary>
/// <param name="CheckpointId">Its catalog id.</param>
/// <param name="Path">Its directory.</param>
/// <param name="ManifestSha256">The sha256 of its manifest, checked before loading.</param>
/// <param name="Step">Optimiser steps it captures.</param>
public sealed record ResumePoint(string CheckpointId, string Path, string ManifestSha256, long Step);
