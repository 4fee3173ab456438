using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Saol.TestKit;
using Xunit;

namespace Saol.State.Tests;

/// <summary>
/// A private redis-server on a free loopback port, started once for a test class and killed afterwards. Nothing is
/// persisted (<c>--save "" --appendonly no</c>). When redis-server is not installed the fixture stays empty and
/// <see cref="RequireConfiguration"/> skips the test, or fails it under CI=true.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private Process? _process;
    private string? _configuration;

    /// <summary>The StackExchange.Redis configuration string of the running server.</summary>
    public string RequireConfiguration()
    {
        Services.RequireExecutable("redis-server");
        return _configuration ?? throw new InvalidOperationException("redis-server is installed but the fixture did not start it");
    }

    public async ValueTask InitializeAsync()
    {
        var exe = Services.FindExecutable("redis-server");
        if (exe is null)
        {
            return;
        }
        // A port picked by the OS can be taken again before redis binds it; try a few.
        for (var attempt = 0; attempt < 5 && _configuration is null; attempt++)
        {
            var port = FreePort();
            var psi = new ProcessStartInfo(exe)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes" })
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
            if (await WaitReadyAsync(ready.Task))
            {
                _process = process;
                _configuration = $"127.0.0.1:{port}";
            }
            else
            {
                Stop(process);
            }
        }
        if (_configuration is null)
        {
            throw new InvalidOperationException("redis-server did not start on a free loopback port in 5 attempts");
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            Stop(_process);
        }
        return ValueTask.CompletedTask;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> WaitReadyAsync(Task ready)
    {
        try
        {
            await ready.WaitAsync(TimeSpan.FromSeconds(20));
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            return false;
        }
    }
}
