using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Saol.TestKit;

namespace Saol.Metrics.Tests;

/// <summary>
/// A real Prometheus server for one test: a generated config scraping one target every second, a temporary
/// storage directory, and a free loopback port for its HTTP API. Killed and cleaned up on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string ScrapeJob = "saol-test";

    private readonly Process _process;
    private readonly TempDir _dir;
    private readonly StringBuilder _log;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, TempDir dir, StringBuilder log, Uri api)
    {
        _process = process;
        _dir = dir;
        _log = log;
        _http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>What Prometheus logged so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<PrometheusServer> StartAsync(string executable, Uri target)
    {
        var dir = new TempDir("saol-prometheus-");
        var port = FreePort();
        var config = dir.File("prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: {ScrapeJob}
                metrics_path: {target.AbsolutePath}
                static_configs:
                  - targets: ['{target.Host}:{target.Port}']
            """);
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--config.file=" + config,
            "--storage.tsdb.path=" + Path.Combine(dir.Path, "data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--log.level=warn",
        })
        {
            psi.ArgumentList.Add(arg);
        }
        var log = new StringBuilder();
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start prometheus");
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, dir, log, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await server.WaitAsync(async () =>
            {
                using var response = await server._http.GetAsync("-/ready");
                return response.StatusCode == HttpStatusCode.OK;
            }, "Prometheus to become ready");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Evaluates an instant PromQL query; returns each series' labels and value.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        using var response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(promql));
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var results = new List<(Dictionary<string, string>, double)>();
        foreach (var series in json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
            var value = double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            results.Add((labels, value));
        }
        return results;
    }

    /// <summary>Polls <paramref name="condition"/> every 250 ms for at most 60 s (a bound, not a timing assertion).</summary>
    public async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode} while waiting for {what}: {Log}");
            }
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                last = ex;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"gave up waiting for {what} after 60 s (last error: {last?.Message}); prometheus log: {Log}");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _dir.Dispose();
    }

    private static void Append(StringBuilder log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
