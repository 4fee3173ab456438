namespace Saol.Coordinator.State;

/// <summary>A committed checkpoint in a job's catalog: its files are on disk, fsynced, and checksummed by the manifest.</summary>
/// <param name="Id">The checkpoint's id, unique across the store (allocate it with <see cref="IStateStore.NextIdAsync"/>).</param>
/// <param name="JobId">The job it belongs to.</param>
/// <param name="Step">The optimizer step it captures (steps completed).</param>
/// <param name="Epoch">The epoch of that step.</param>
/// <param name="Path">The checkpoint directory.</param>
/// <param name="ManifestSha256">The lower-case hex SHA-256 of its manifest file, checked before a resume.</param>
/// <param name="CreatedAt">When it was committed.</param>
public sealed record CheckpointRecord(string Id, string JobId, long Step, int Epoch, string Path, string ManifestSha256, DateTimeOffset CreatedAt);
