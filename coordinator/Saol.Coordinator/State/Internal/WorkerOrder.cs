namespace Saol.Coordinator.State.Internal;

/// <summary>The one order both implementations list workers in: registration time, then id (ordinal).</summary>
internal static class WorkerOrder
{
    public static IReadOnlyList<WorkerRecord> Sort(IEnumerable<WorkerRecord> workers) =>
        workers.OrderBy(w => w.RegisteredAt).ThenBy(w => w.WorkerId, StringComparer.Ordinal).ToArray();
}
