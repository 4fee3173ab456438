using System.Text.RegularExpressions;
using Saol.TestKit;
using Xunit;

namespace Saol.Deploy.Tests;

/// <summary>
/// The real kustomize (embedded in kubectl) builds the same objects as <see cref="KustomizeBuild"/>: the offline
/// checks are only as good as that build, so it is compared with the reference implementation where one exists.
/// kubectl is not a project dependency (Debian's kubernetes-client 1.20 embeds kustomize 2.0.3, which predates
/// directory resources, `replicas` and targeted `patches`), so without a kubectl whose kustomize is v4 or newer
/// this cross-check skips, also under CI; the offline checks above it always run.
/// </summary>
public sealed partial class KubectlCrossCheckTests
{
    private static readonly string[] s_resourceKinds = ["requests", "limits"];

    [GeneratedRegex(@"-[a-z0-9]{10}$")]
    private static partial Regex HashSuffix();

    [Theory]
    [InlineData("k8s/base")]
    [InlineData("k8s/overlays/imagenet-32x8")]
    public void KubectlKustomize_SameObjectsReplicasImagesAndSecretReferences(string dir)
    {
        var kubectl = RequireModernKubectl();
        using var copy = new TempDir("saol-k8s-");
        CopyTree(Repo.PathOf("k8s"), Path.Combine(copy.Path, "k8s"));
        // The token is deployment-time input (gitignored); kustomize needs the file to exist.
        File.WriteAllText(Path.Combine(copy.Path, "k8s", "base", "secrets", "auth-token"), Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        var result = ProcessRunner.Run(kubectl, ["kustomize", Path.Combine(copy.Path, dir)], TimeSpan.FromSeconds(120));
        Assert.True(result.ExitCode == 0, $"kubectl kustomize failed: {result.StandardError}");

        var theirs = Yaml.LoadAll(result.StandardOutput, "kubectl kustomize")
            .Select(d => new K8sObject(d.Str("kind")!, (string)d.At("metadata.name")!, d, "kubectl")).ToList();
        var ours = KustomizeBuild.Run(Repo.PathOf(dir)).Objects;

        string Key(K8sObject o) => o.Kind + "/" + (o.Kind is "ConfigMap" or "Secret" ? HashSuffix().Replace(o.Name, "") : o.Name);
        Assert.Equal(ours.Select(Key).Order(StringComparer.Ordinal), theirs.Select(Key).Order(StringComparer.Ordinal));

        foreach (var o in ours)
        {
            var t = theirs.Single(x => Key(x) == Key(o));
            Assert.Equal(o.Namespace, t.Namespace);
            Assert.Equal(o.Labels, t.Labels);
            Assert.Equal(o.Body.At("spec.replicas"), t.Body.At("spec.replicas"));
        }
        var ourPods = Workloads.PodSpecs(ours).ToDictionary(p => p.Owner.Kind + "/" + p.Owner.Name);
        foreach (var pod in Workloads.PodSpecs(theirs))
        {
            var mine = ourPods[pod.Owner.Kind + "/" + pod.Owner.Name];
            Assert.Equal(mine.Labels, pod.Labels);
            Assert.Equal(mine.Containers.Select(c => c.Str("image")), pod.Containers.Select(c => c.Str("image")));
            Assert.Equal(mine.Containers.Select(c => Resources(c)), pod.Containers.Select(c => Resources(c)));
            Assert.Equal(mine.Containers.Select(c => Env(c, strip: false)), pod.Containers.Select(c => Env(c, strip: true)));
        }
    }

    private static string RequireModernKubectl()
    {
        var kubectl = Services.FindExecutable("kubectl");
        if (kubectl is null)
        {
            Assert.Skip("kubectl is not installed (optional: only this cross-check uses it)");
        }
        var version = ProcessRunner.Run(kubectl, ["version", "--client"], TimeSpan.FromSeconds(60));
        var match = KustomizeVersion().Match(version.StandardOutput);
        if (!match.Success || int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 4)
        {
            Assert.Skip($"kubectl's kustomize is older than v4 or unknown ({version.StandardOutput.Trim()})");
        }
        return kubectl;
    }

    [GeneratedRegex(@"Kustomize Version: v(\d+)\.")]
    private static partial Regex KustomizeVersion();

    private static string Resources(Dictionary<string, object?> container) =>
        string.Join(";", s_resourceKinds.Select(k => k + "=" + string.Join(",", ((container.At("resources." + k) as Dictionary<string, object?>) ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + kv.Value))));

    /// <summary>Env as a set (a patch may reorder it), secret names without kustomize's hash suffix.</summary>
    private static string Env(Dictionary<string, object?> container, bool strip) =>
        string.Join(";", container.Maps("env").Select(e =>
        {
            var secret = e.At("valueFrom.secretKeyRef.name") as string;
            var value = e.Str("value") ?? (secret is null ? "(ref)" : "secret:" + (strip ? HashSuffix().Replace(secret, "") : secret));
            return e.Str("name") + "=" + value;
        }).Order(StringComparer.Ordinal));

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
