namespace Saol.Coordinator.State;

/// <summary>Read-modify-write helpers over <see cref="IStateStore"/>.</summary>
public static class StateStoreExtensions
{
    /// <summary>How many times <see cref="UpdateJobAsync"/> re-reads after a conflict before giving up. 100.</summary>
    public const int MaxUpdateAttempts = 100;

    /// <summary>
    /// Reads the job, applies <paramref name="change"/> and writes the result with compare-and-set, re-reading and
    /// re-applying on a conflict. <paramref name="change"/> may run several times, so it must have no side effects;
    /// returning the record unchanged (the same instance) writes nothing.
    /// </summary>
    /// <returns>The job as stored after the change.</returns>
    /// <exception cref="JobNotFoundException">The store has no such job.</exception>
    /// <exception cref="StateStoreException">Every one of <see cref="MaxUpdateAttempts"/> attempts conflicted.</exception>
    public static async Task<JobRecord> UpdateJobAsync(this IStateStore store, string jobId, Func<JobRecord, JobRecord> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 0; attempt < MaxUpdateAttempts; attempt++)
        {
            var current = await store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new JobNotFoundException(jobId);
            var changed = change(current);
            if (ReferenceEquals(changed, current))
            {
                return current;
            }
            if (changed.Id != current.Id)
            {
                throw new ArgumentException($"the change turned job '{current.Id}' into job '{changed.Id}'; a job's id cannot change", nameof(change));
            }
            var stored = await store.TryUpdateJobAsync(changed with { Version = current.Version }, cancellationToken).ConfigureAwait(false);
            if (stored is not null)
            {
                return stored;
            }
        }
        throw new StateStoreException($"job '{jobId}' kept changing: {MaxUpdateAttempts} compare-and-set attempts in a row conflicted");
    }
}
