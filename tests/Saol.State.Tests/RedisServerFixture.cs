using Saol.TestKit;
using Xunit;

namespace Saol.State.Tests;

/// <summary>
/// A private, non-persistent redis-server shared by one test class. When redis-server is not installed the
/// fixture stays empty and <see cref="RequireConfiguration"/> skips the test, or fails it under CI=true.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;

    /// <summary>The StackExchange.Redis configuration string of the running server.</summary>
    public string RequireConfiguration()
    {
        RequireExecutable();
        return _server?.Configuration ?? throw new InvalidOperationException("redis-server is installed but the fixture did not start it");
    }

    /// <summary>The redis-server executable, for tests that run servers of their own.</summary>
    public static string RequireExecutable() => Services.RequireExecutable("redis-server");

    public async ValueTask InitializeAsync()
    {
        var exe = Services.FindExecutable("redis-server");
        if (exe is not null)
        {
            _server = await RedisServer.StartAsync(exe);
        }
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }
}
