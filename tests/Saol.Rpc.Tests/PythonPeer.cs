using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Saol.Rpc.Tests;

/// <summary>
/// A long-running python3-grpcio peer from tests/python/grpc. It announces its port as
/// "PORT &lt;n&gt;" and reports calls that ended early as "ENDED &lt;text&gt; &lt;kind&gt;"; closing its
/// stdin stops it.
/// </summary>
internal sealed class PythonPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _endings = new(StringComparer.Ordinal);
    private readonly StringBuilder _stderr = new();

    private PythonPeer(Process process)
    {
        _process = process;
    }

    public static PythonPeer Start(string script, params string[] arguments)
    {
        var psi = new ProcessStartInfo(Services.Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.PathOf("tests", "python", "grpc"),
        };
        psi.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var peer = new PythonPeer(process);
        process.OutputDataReceived += (_, e) => peer.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (peer._stderr)
            {
                peer._stderr.AppendLine(e.Data);
            }
        };
        process.Exited += (_, _) => peer._port.TrySetException(new InvalidOperationException($"{script} exited early: {peer.StandardError}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return peer;
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public Task<int> PortAsync() => _port.Task.WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>"deadline" or "cancelled" once the peer's handler of the call with this text saw it end early.</summary>
    public Task<string> EndingOf(string text) => Ending(text).Task;

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        var parts = line.Split(' ');
        if (parts is ["PORT", var port])
        {
            _port.TrySetResult(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (parts is ["ENDED", var text, var kind])
        {
            Ending(text).TrySetResult(kind);
        }
    }

    private TaskCompletionSource<string> Ending(string text) =>
        _endings.GetOrAdd(text, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
