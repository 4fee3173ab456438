using System.Text.Json.Serialization;

namespace Saol.Coordinator.State.Internal;

/// <summary>The job fields Redis keeps as one JSON value; id, creation time, progress and version live beside it.</summary>
internal sealed record StoredJob(string SpecJson, JobStatus Status, long Generation, string? PlanJson, string? Message);

/// <summary>A worker as Redis keeps it; the lease expiry is the score in the job's lease sorted set.</summary>
internal sealed record StoredWorker(WorkerRegistration Registration, DateTimeOffset RegisteredAt);

/// <summary>
/// Source-generated System.Text.Json metadata for everything the Redis store writes. Enums by name (a reordered enum
/// never corrupts a store); NaN allowed because a job's loss is NaN before its first step.
/// </summary>
[JsonSourceGenerationOptions(
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StoredJob))]
[JsonSerializable(typeof(StoredWorker))]
[JsonSerializable(typeof(JobProgress))]
[JsonSerializable(typeof(CheckpointRecord))]
[JsonSerializable(typeof(DateTimeOffset))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
