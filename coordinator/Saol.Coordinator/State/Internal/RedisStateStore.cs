using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StackExchange.Redis;

namespace Saol.Coordinator.State.Internal;

/// <summary>
/// The store in Redis: one shared <see cref="ConnectionMultiplexer"/>, every multi-key change in one Lua script (atomic,
/// and it publishes its notification), records as System.Text.Json. Split by concern into partial files.
/// </summary>
internal sealed partial class RedisStateStore : IStateStore
{
    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _db;
    private readonly RedisKeys _keys;
    private readonly StoreClock _clock;
    private readonly ConcurrentDictionary<JobSubscription, byte> _subscriptions = new();
    private int _disposed;

    private RedisStateStore(ConnectionMultiplexer connection, string keyPrefix, TimeProvider timeProvider)
    {
        _connection = connection;
        _db = connection.GetDatabase();
        _keys = new RedisKeys(keyPrefix);
        _clock = new StoreClock(timeProvider);
    }

    public static async Task<RedisStateStore> ConnectAsync(string configuration, string keyPrefix, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        if (keyPrefix.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException("the key prefix must not contain white space", nameof(keyPrefix));
        }
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"'{configuration}' is not a Redis configuration string: {ex.Message}", nameof(configuration), ex);
        }
        ConnectionMultiplexer connection;
        try
        {
            connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StateStoreException($"could not connect to Redis at '{configuration}': {ex.Message}", ex);
        }
        return new RedisStateStore(connection, keyPrefix, timeProvider);
    }

    public async Task<long> NextIdAsync(string sequence, CancellationToken cancellationToken = default)
    {
        StoreArguments.Id(sequence, nameof(sequence));
        return await Call(Db.StringIncrementAsync(_keys.Sequence(sequence)), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var subscription in _subscriptions.Keys)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
        try
        {
            await _connection.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The server is gone already; nothing is left to flush.
        }
        _connection.Dispose();
    }

    /// <summary>The database, refused once the store is disposed (the closed connection would fail less clearly).</summary>
    private IDatabase Db
    {
        get
        {
            ThrowIfDisposed();
            return _db;
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private Task<RedisResult> Script(string script, RedisKey[] keys, RedisValue[] values) => Db.ScriptEvaluateAsync(script, keys, values);

    /// <summary>Awaits a Redis operation, turning Redis's own failures into <see cref="StateStoreException"/>.</summary>
    private static async Task<T> Call<T>(Task<T> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await operation.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StateStoreException($"Redis operation failed: {ex.Message}", ex);
        }
    }

    private static async Task Call(Task operation, CancellationToken cancellationToken)
    {
        try
        {
            await operation.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StateStoreException($"Redis operation failed: {ex.Message}", ex);
        }
    }

    private static string Serialize<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.Serialize(value, typeInfo);

    private static T Deserialize<T>(RedisValue value, JsonTypeInfo<T> typeInfo, string what)
    {
        try
        {
            if (value.IsNull)
            {
                throw new JsonException("the value is missing");
            }
            return JsonSerializer.Deserialize((string)value!, typeInfo) ?? throw new JsonException("the value is null");
        }
        catch (JsonException ex)
        {
            throw new StateStoreException($"{what} in Redis is not readable: {ex.Message}", ex);
        }
    }
}
