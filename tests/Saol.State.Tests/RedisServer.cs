using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Saol.State.Tests;

/// <summary>
/// One redis-server process on loopback, started by a test. Without <c>dataDirectory</c> nothing is persisted
/// (<c>--save "" --appendonly no</c>); with it, every write is in an append-only file fsynced at once, like the
/// Kubernetes deployment, so a killed server restarted on the same directory has every acknowledged write.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string Configuration => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Starts redis-server on <paramref name="port"/> (a free one when null), retrying on a port race.</summary>
    public static async Task<RedisServer> StartAsync(string executable, int? port = null, string? dataDirectory = null)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var chosen = port ?? FreePort();
            var server = await TryStartAsync(executable, chosen, dataDirectory);
            if (server is not null)
            {
                return server;
            }
            if (port is not null)
            {
                // A fixed port (a restart) may still be in TIME_WAIT or held by the dying process: wait and retry.
                await Task.Delay(200);
            }
        }
        throw new InvalidOperationException($"redis-server did not start on {(port is null ? "a free loopback port" : $"port {port}")} in 5 attempts");
    }

    /// <summary>Kills the server at once (SIGKILL): nothing is flushed beyond what was already fsynced.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static async Task<RedisServer?> TryStartAsync(string executable, int port, string? dataDirectory)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] persistence = dataDirectory is null
            ? ["--save", "", "--appendonly", "no"]
            : ["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dataDirectory];
        foreach (var arg in (string[])["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--daemonize", "no", "--protected-mode", "yes", .. persistence])
        {
            psi.ArgumentList.Add(arg);
        }
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start redis-server");
        // Readiness from redis's own log line, not a connect: a connect could reach another process that won the port.
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("redis-server exited before it was ready"));
            }
            else if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
            return new RedisServer(process, port);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            new RedisServer(process, port).Dispose();
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
