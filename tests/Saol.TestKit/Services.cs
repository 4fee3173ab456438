using System.Diagnostics;
using Xunit;

namespace Saol.TestKit;

/// <summary>
/// Real services the integration tests need. Outside CI a missing one skips the test with the
/// reason; under <c>CI=true</c> it fails the test, so a green CI run always exercised them.
/// </summary>
public static class Services
{
    /// <summary>True when running under CI (<c>CI=true</c>), where nothing may be skipped.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Debian's python3, which carries torch, torchvision, numpy and grpcio.</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Requires <c>/usr/bin/python3</c> with the given modules importable.</summary>
    public static void RequirePython(params string[] modules)
    {
        var key = string.Join(',', modules);
        var error = s_pythonChecks.GetOrAdd(key, _ => ProbePython(modules));
        if (error is not null)
        {
            Missing($"python3 modules {key}: {error}");
        }
    }

    /// <summary>Requires an executable on PATH or at an absolute path (redis-server, prometheus, promtool).</summary>
    public static string RequireExecutable(string name)
    {
        var path = FindExecutable(name);
        if (path is null)
        {
            Missing($"executable '{name}' not found");
        }
        return path!;
    }

    /// <summary>Requires a file or directory (a data set such as /usr/share/datasets/fashion-mnist).</summary>
    public static void RequirePath(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            Missing($"'{path}' does not exist");
        }
    }

    /// <summary>Finds an executable by name on PATH (or returns an absolute path that exists).</summary>
    public static string? FindExecutable(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : null;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> s_pythonChecks = new();

    private static string? ProbePython(string[] modules)
    {
        if (!File.Exists(Python))
        {
            return $"{Python} not found";
        }
        var result = ProcessRunner.Run(Python, ["-c", "import " + string.Join(", ", modules)], TimeSpan.FromSeconds(120));
        return result.ExitCode == 0 ? null : result.StandardError.Trim();
    }

    private static void Missing(string reason)
    {
        if (IsCi)
        {
            Assert.Fail($"required service missing under CI=true: {reason}");
        }
        Assert.Skip($"service missing: {reason}");
    }
}
