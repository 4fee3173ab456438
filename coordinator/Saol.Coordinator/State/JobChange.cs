using System.Threading.Channels;

namespace Saol.Coordinator.State;

/// <summary>What part of a job changed.</summary>
public enum JobChangeKind
{
    /// <summary>The job record was created or written (status, generation, plan, message).</summary>
    Job,

    /// <summary>New progress was reported.</summary>
    Progress,

    /// <summary>A worker registered, left or had its lease expire.</summary>
    Workers,

    /// <summary>A checkpoint was committed to or removed from the catalog.</summary>
    Checkpoints,
}

/// <summary>A notification that a job changed. It carries no state: read the store for the current values.</summary>
/// <param name="JobId">The job that changed.</param>
/// <param name="Kind">What changed.</param>
public sealed record JobChange(string JobId, JobChangeKind Kind);

/// <summary>
/// A live subscription to one job's changes, returned by <see cref="IStateStore.WatchJobAsync"/> once it is established:
/// every change made after that point is delivered. A consumer that falls more than <see cref="Capacity"/> notifications
/// behind loses the oldest ones (never the newest), which is harmless because notifications carry no state.
/// </summary>
public sealed class JobSubscription : IAsyncDisposable
{
    /// <summary>How many undelivered notifications are kept per subscription. 256.</summary>
    public const int Capacity = 256;

    private readonly Channel<JobChange> _channel;
    private readonly Func<ValueTask> _unsubscribe;
    private int _disposed;

    internal JobSubscription(string jobId, Channel<JobChange> channel, Func<ValueTask> unsubscribe)
    {
        JobId = jobId;
        _channel = channel;
        _unsubscribe = unsubscribe;
    }

    /// <summary>The watched job.</summary>
    public string JobId { get; }

    /// <summary>The notifications, in the order the store made the changes. Completes when the subscription is disposed.</summary>
    public ChannelReader<JobChange> Changes => _channel.Reader;

    /// <summary>Reads every notification until the subscription is disposed or <paramref name="cancellationToken"/> fires.</summary>
    public IAsyncEnumerable<JobChange> ReadAllAsync(CancellationToken cancellationToken = default) => _channel.Reader.ReadAllAsync(cancellationToken);

    internal static Channel<JobChange> CreateChannel() => Channel.CreateBounded<JobChange>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = false,
        SingleWriter = false,
    });

    /// <summary>Stops delivery and completes <see cref="Changes"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            await _unsubscribe().ConfigureAwait(false);
        }
        finally
        {
            _channel.Writer.TryComplete();
        }
    }
}
