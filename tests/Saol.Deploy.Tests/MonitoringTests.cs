using System.Text.Json;
using System.Text.RegularExpressions;
using Saol.Metrics;
using Saol.TestKit;
using Xunit;

namespace Saol.Deploy.Tests;

/// <summary>The Grafana dashboard and the alerting rules speak the product's metric set (metrics/Saol.Metrics/SaolMetrics.cs).</summary>
public sealed partial class MonitoringTests
{
    private static readonly string s_dashboardPath = Repo.PathOf("k8s", "base", "grafana-dashboard.json");

    [GeneratedRegex(@"\bsaol_[a-z0-9_]+\b")]
    private static partial Regex MetricName();

    /// <summary>The metric-set names a PromQL expression uses (histogram series mapped back to their family).</summary>
    public static IReadOnlyList<string> MetricsIn(string expr)
    {
        var known = SaolMetrics.Definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var names = new List<string>();
        foreach (Match m in MetricName().Matches(expr))
        {
            var name = m.Value;
            foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            {
                var family = name.EndsWith(suffix, StringComparison.Ordinal) ? name[..^suffix.Length] : null;
                if (family is not null && known.TryGetValue(family, out var d) && d.Type == MetricType.Histogram)
                {
                    name = family;
                }
            }
            Assert.True(known.ContainsKey(name), $"'{m.Value}' in `{expr}` is not in the metric set");
            names.Add(name);
        }
        return names;
    }

    public static IEnumerable<(string Title, string Expr)> DashboardQueries()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(s_dashboardPath));
        var list = new List<(string, string)>();
        foreach (var panel in json.RootElement.GetProperty("panels").EnumerateArray())
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                list.Add((panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!));
            }
        }
        return list;
    }

    [Fact]
    public void Dashboard_Json_IsAGrafanaDashboardWithUniquePanels()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(s_dashboardPath));
        var root = json.RootElement;
        Assert.Equal("saol-training", root.GetProperty("uid").GetString());
        var panels = root.GetProperty("panels").EnumerateArray().ToList();
        Assert.True(panels.Count >= 10);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        foreach (var panel in panels)
        {
            var grid = panel.GetProperty("gridPos");
            Assert.InRange(grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32(), 1, 24);
            Assert.NotEmpty(panel.GetProperty("targets").EnumerateArray());
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
        }
    }

    [Fact]
    public void Dashboard_EveryPanelQuery_UsesOnlyMetricsOfTheSet()
    {
        foreach (var (title, expr) in DashboardQueries())
        {
            Assert.True(MetricsIn(expr).Count > 0, $"panel '{title}' queries no saol metric: {expr}");
        }
    }

    [Fact]
    public void Dashboard_CoversTheIssuesPanels()
    {
        var byTitle = DashboardQueries().GroupBy(q => q.Title).ToDictionary(g => g.Key, g => g.SelectMany(q => MetricsIn(q.Expr)).ToHashSet());
        Assert.Contains(SaolMetrics.TrainImages, byTitle["Throughput"]);
        Assert.Contains(SaolMetrics.TrainLoss, byTitle["Training loss"]);
        Assert.Contains(SaolMetrics.TrainLearningRate, byTitle["Learning rate"]);
        Assert.Contains(SaolMetrics.StepDuration, byTitle["Step time"]);
        Assert.Contains(SaolMetrics.AllReduceDuration, byTitle["All-reduce time"]);
        Assert.Contains(SaolMetrics.AllReduceBytes, byTitle["All-reduce bandwidth"]);
        Assert.Contains(SaolMetrics.WorkersLive, byTitle["Live workers"]);
        Assert.Contains(SaolMetrics.CheckpointLastSuccess, byTitle["Checkpoint age"]);
    }

    [Fact]
    public void Dashboard_ConfigMap_CarriesTheFileWithTheSidecarLabel()
    {
        var build = KustomizeBuild.Run(Repo.PathOf("k8s", "base"));
        var configMap = build.Get("ConfigMap", "saol-grafana-dashboard");
        Assert.Equal("1", configMap.Labels["grafana_dashboard"]);
        Assert.Equal(File.ReadAllText(s_dashboardPath), ((Dictionary<string, object?>)configMap.Body["data"]!)["saol-training.json"]);
    }

    [Fact]
    public void AlertRules_PromtoolCheckRules_ReportsNoProblemAndRulesUseTheSet()
    {
        var promtool = Services.RequireExecutable("promtool");
        var build = KustomizeBuild.Run(Repo.PathOf("k8s", "base"));
        var rule = build.OfKind("PrometheusRule").Single();
        var groups = (List<object?>)rule.Body.At("spec.groups")!;
        foreach (var group in groups.Cast<Dictionary<string, object?>>())
        {
            foreach (var r in group.Maps("rules"))
            {
                Assert.NotEmpty(MetricsIn(r.Str("expr")!));
            }
        }
        using var dir = new TempDir("saol-rules-");
        // promtool reads the Prometheus rule-file format, which is the PrometheusRule's spec.
        var file = dir.File("rules.yaml");
        File.WriteAllText(file, new YamlDotNet.Serialization.SerializerBuilder().Build().Serialize(new Dictionary<string, object?> { ["groups"] = groups }));
        var result = ProcessRunner.Run(promtool, ["check", "rules", file], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"promtool check rules exit {result.ExitCode}: {result.StandardOutput}{result.StandardError}");
        Assert.Contains("SUCCESS", result.StandardOutput, StringComparison.Ordinal);
    }
}
