using StackExchange.Redis;

namespace Saol.Coordinator.State.Internal;

internal sealed partial class RedisStateStore
{
    public async Task<JobSubscription> WatchJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(jobId, nameof(jobId));
        ThrowIfDisposed();
        var channel = JobSubscription.CreateChannel();
        var redisChannel = _keys.Changes(jobId);
        var subscriber = _connection.GetSubscriber();
        void OnMessage(RedisChannel _, RedisValue message)
        {
            // An unknown kind comes from a newer writer sharing the store; it still means "the job changed".
            var kind = Enum.TryParse<JobChangeKind>((string?)message, out var parsed) ? parsed : JobChangeKind.Job;
            channel.Writer.TryWrite(new JobChange(jobId, kind));
        }
        // The task completes once Redis has confirmed the SUBSCRIBE, so every later PUBLISH reaches this handler.
        await Call(subscriber.SubscribeAsync(redisChannel, OnMessage), cancellationToken).ConfigureAwait(false);
        JobSubscription? subscription = null;
        subscription = new JobSubscription(jobId, channel, async () =>
        {
            _subscriptions.TryRemove(subscription!, out _);
            try
            {
                await subscriber.UnsubscribeAsync(redisChannel, OnMessage).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The connection is gone, and with it the subscription.
            }
        });
        _subscriptions.TryAdd(subscription, 0);
        if (Volatile.Read(ref _disposed) != 0)
        {
            // The store was disposed while this subscription was being set up: it missed the sweep, so end it here.
            await subscription.DisposeAsync().ConfigureAwait(false);
            ThrowIfDisposed();
        }
        return subscription;
    }
}
