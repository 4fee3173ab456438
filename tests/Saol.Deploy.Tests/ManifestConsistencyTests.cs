using Saol.TestKit;
using Xunit;

namespace Saol.Deploy.Tests;

/// <summary>Consistency of every kustomize build in k8s/: what references what must exist and line up.</summary>
public sealed class ManifestConsistencyTests
{
    private static readonly string[] s_builds = ["k8s/base", "k8s/overlays/imagenet-32x8"];

    public static TheoryData<string> Builds => new(s_builds);

    private static KustomizeBuild Build(string dir) => KustomizeBuild.Run(Repo.PathOf(dir));

    [Theory]
    [MemberData(nameof(Builds))]
    public void Build_EveryObject_HasNamespaceAndPartOfLabel(string dir)
    {
        var build = Build(dir);
        Assert.NotEmpty(build.Objects);
        foreach (var o in build.Objects)
        {
            Assert.True(o.Kind == "Namespace" || o.Namespace == "saol", $"{o} is not in namespace saol");
            Assert.True(o.Labels.GetValueOrDefault("app.kubernetes.io/part-of") == "saol", $"{o} lacks app.kubernetes.io/part-of=saol");
        }
        Assert.Equal("saol", build.Get("Namespace", "saol").Name);
    }

    [Fact]
    public void Manifests_EveryYamlFileUnderK8s_IsUsedByABuild()
    {
        var used = s_builds.SelectMany(b => Build(b).FilesUsed).ToHashSet(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(Repo.PathOf("k8s"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal));
        foreach (var f in files)
        {
            Assert.True(used.Contains(f), $"{f} is not referenced by any kustomization (orphaned manifest)");
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void Workloads_SelectorsMatchTheirPodTemplates(string dir)
    {
        foreach (var pod in Workloads.PodSpecs(Build(dir).Objects))
        {
            if (pod.Owner.Kind == "Job")
            {
                continue; // the Job controller generates its selector
            }
            var selector = Workloads.MatchLabels(pod.Owner.Body.At("spec.selector") as Dictionary<string, object?>, pod.Owner.ToString());
            Assert.True(selector.Count > 0, $"{pod} has an empty selector");
            Assert.True(Workloads.Selects(selector, pod.Labels), $"{pod}: selector does not match its pod template's labels");
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void Services_SelectPodsAndTargetPortsThoseContainersExpose(string dir)
    {
        var build = Build(dir);
        var pods = Workloads.PodSpecs(build.Objects).ToList();
        foreach (var service in build.OfKind("Service"))
        {
            var selector = Workloads.MatchLabels(service.Body.At("spec.selector") as Dictionary<string, object?>, service.ToString());
            var selected = pods.Where(p => Workloads.Selects(selector, p.Labels)).ToList();
            Assert.True(selector.Count > 0 && selected.Count > 0, $"{service} selects no pod template");
            foreach (var port in ((Dictionary<string, object?>)service.Body["spec"]!).Maps("ports"))
            {
                var target = port.Str("targetPort") ?? port.Str("port")!;
                foreach (var pod in selected)
                {
                    Assert.True(pod.PortNames.Contains(target) || pod.PortNumbers.Contains(target), $"{service} port {port.Str("name")} targets '{target}', which {pod} does not expose");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void StatefulSets_GoverningServiceIsHeadlessAndSelectsThem(string dir)
    {
        var build = Build(dir);
        foreach (var pod in Workloads.PodSpecs(build.OfKind("StatefulSet")))
        {
            var service = build.Get("Service", (string)pod.Owner.Body.At("spec.serviceName")!);
            Assert.Equal("None", service.Body.At("spec.clusterIP"));
            Assert.True(Workloads.Selects(Workloads.MatchLabels(service.Body.At("spec.selector") as Dictionary<string, object?>, service.ToString()), pod.Labels));
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void Pods_ReferencedSecretsConfigMapsAndClaimsExist(string dir)
    {
        var build = Build(dir);
        foreach (var pod in Workloads.PodSpecs(build.Objects))
        {
            foreach (var volume in pod.Spec.Maps("volumes"))
            {
                if (volume.At("persistentVolumeClaim.claimName") is string claim)
                {
                    build.Get("PersistentVolumeClaim", claim);
                }
                if (volume.At("configMap.name") is string configMap)
                {
                    build.Get("ConfigMap", configMap);
                }
                if (volume.At("secret.secretName") is string secret)
                {
                    build.Get("Secret", secret);
                }
            }
            foreach (var container in pod.Containers)
            {
                var mounts = container.Maps("volumeMounts").Select(m => m.Str("name")).ToList();
                foreach (var mount in mounts)
                {
                    Assert.True(pod.Spec.Maps("volumes").Any(v => v.Str("name") == mount), $"{pod}: volumeMount '{mount}' has no volume");
                }
                foreach (var env in container.Maps("env"))
                {
                    if (env.At("valueFrom.secretKeyRef") is Dictionary<string, object?> secretRef)
                    {
                        var name = secretRef.Str("name")!;
                        build.Get("Secret", name);
                        Assert.True(build.SecretKeys.TryGetValue(name, out var keys) && keys.Contains(secretRef.Str("key")!), $"{pod}: secret {name} has no key '{secretRef.Str("key")}'");
                    }
                    if (env.At("valueFrom.configMapKeyRef.name") is string cm)
                    {
                        build.Get("ConfigMap", cm);
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void Pods_EverySaolPodGetsTheAuthToken(string dir)
    {
        foreach (var pod in Workloads.PodSpecs(Build(dir).Objects).Where(p => p.Containers.Any(c => (c.Str("image") ?? "").Contains("/saol:", StringComparison.Ordinal))))
        {
            var token = pod.Containers.SelectMany(c => c.Maps("env")).SingleOrDefault(e => e.Str("name") == "SAOL_TOKEN");
            Assert.True(token is not null, $"{pod} runs saol without SAOL_TOKEN");
            Assert.Equal("saol-auth-token", token!.At("valueFrom.secretKeyRef.name"));
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void Containers_ProbesUseExposedPortsAndImagesArePinned(string dir)
    {
        foreach (var pod in Workloads.PodSpecs(Build(dir).Objects))
        {
            foreach (var container in pod.Containers)
            {
                var image = container.Str("image") ?? "";
                Assert.True(image.Contains(':', StringComparison.Ordinal) && !image.EndsWith(":latest", StringComparison.Ordinal), $"{pod}: image '{image}' is not pinned to a tag");
                Assert.True(container.At("resources.requests") is not null && container.At("resources.limits.memory") is not null, $"{pod}: container {container.Str("name")} has no requests or memory limit");
                foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
                {
                    var port = container.At(probe + ".httpGet.port") as string ?? container.At(probe + ".tcpSocket.port") as string;
                    if (port is not null)
                    {
                        Assert.True(pod.PortNames.Contains(port) || pod.PortNumbers.Contains(port), $"{pod}: {probe} uses port '{port}', which is not exposed");
                    }
                }
            }
            if (pod.Owner.Kind is "Deployment" or "StatefulSet")
            {
                Assert.All(pod.Containers, c => Assert.True(c.ContainsKey("readinessProbe") && c.ContainsKey("livenessProbe"), $"{pod}: {c.Str("name")} needs readiness and liveness probes"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void Workers_OnePodPerNodeWithGpuRequestsEqualToLimitsAndDevices(string dir)
    {
        var build = Build(dir);
        var worker = Workloads.PodSpecs(build.OfKind("StatefulSet")).Single(p => p.Owner.Name == "saol-worker");
        var anti = ((List<object?>)worker.Spec.At("affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution")!).Cast<Dictionary<string, object?>>().Single();
        Assert.Equal("kubernetes.io/hostname", anti.Str("topologyKey"));
        Assert.True(Workloads.Selects(Workloads.MatchLabels(anti.Map("labelSelector"), "anti-affinity"), worker.Labels), "the anti-affinity must select the worker pods themselves");
        var container = worker.Containers.Single();
        var requests = (Dictionary<string, object?>)container.At("resources.requests")!;
        var limits = (Dictionary<string, object?>)container.At("resources.limits")!;
        Assert.Equal(limits.Str("nvidia.com/gpu"), requests.Str("nvidia.com/gpu"));
        var devices = container.Maps("env").Single(e => e.Str("name") == "SAOL_DEVICES").Str("value");
        Assert.Equal(limits.Str("nvidia.com/gpu"), devices);
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void NetworkPolicies_SelectExistingPodsAndNamedPorts(string dir)
    {
        var build = Build(dir);
        var pods = Workloads.PodSpecs(build.Objects).ToList();
        var policies = build.OfKind("NetworkPolicy").ToList();
        Assert.Contains(policies, p => (p.Body.At("spec.podSelector") as Dictionary<string, object?>)?.Count == 0);
        foreach (var policy in policies)
        {
            var targets = pods.Where(p => Workloads.Selects(Workloads.MatchLabels(policy.Body.At("spec.podSelector") as Dictionary<string, object?>, policy.ToString()), p.Labels)).ToList();
            Assert.True(targets.Count > 0, $"{policy} selects no pod");
            foreach (var rule in ((Dictionary<string, object?>)policy.Body["spec"]!).Maps("ingress"))
            {
                foreach (var peer in rule.Maps("from").Where(f => !f.ContainsKey("namespaceSelector")))
                {
                    var selector = Workloads.MatchLabels(peer.Map("podSelector"), policy.ToString());
                    // Client pods (the CLI) are started by overlays or by hand, so the base may have none.
                    var isClientRule = selector.GetValueOrDefault("app.kubernetes.io/component") == "client";
                    Assert.True(isClientRule || pods.Any(p => Workloads.Selects(selector, p.Labels)), $"{policy}: a 'from' podSelector selects no pod");
                }
                foreach (var port in rule.Maps("ports"))
                {
                    var name = port.Str("port")!;
                    Assert.True(targets.Any(t => t.PortNames.Contains(name) || t.PortNumbers.Contains(name)), $"{policy}: port '{name}' exists on none of the selected pods");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void NetworkPolicies_AllowTheRingCoordinatorRedisAndScrapes(string dir)
    {
        var build = Build(dir);
        var pods = Workloads.PodSpecs(build.Objects).ToList();
        var worker = pods.Single(p => p.Owner.Name == "saol-worker");
        var coordinator = pods.Single(p => p.Owner.Name == "saol-coordinator");
        var redis = pods.Single(p => p.Owner.Name == "saol-redis");

        bool Allows(Workloads.PodTemplate? from, Workloads.PodTemplate to, string port, bool fromPrometheus = false) =>
            build.OfKind("NetworkPolicy").Any(policy =>
                Workloads.Selects(Workloads.MatchLabels(policy.Body.At("spec.podSelector") as Dictionary<string, object?>, ""), to.Labels)
                && ((Dictionary<string, object?>)policy.Body["spec"]!).Maps("ingress").Any(rule =>
                    rule.Maps("ports").Any(p => p.Str("port") == port)
                    && rule.Maps("from").Any(peer => fromPrometheus
                        ? IsPrometheus(peer)
                        : !peer.ContainsKey("namespaceSelector") && from is not null && Workloads.Selects(Workloads.MatchLabels(peer.Map("podSelector"), ""), from.Labels))));

        static bool IsPrometheus(Dictionary<string, object?> peer) =>
            Workloads.MatchLabels(peer.Map("namespaceSelector"), "").GetValueOrDefault("kubernetes.io/metadata.name") == "monitoring"
            && Workloads.MatchLabels(peer.Map("podSelector"), "").GetValueOrDefault("app.kubernetes.io/name") == "prometheus";

        Assert.True(Allows(worker, worker, "peer"), "workers must reach each other's ring port");
        Assert.True(Allows(worker, coordinator, "grpc"), "workers must reach the coordinator");
        Assert.True(Allows(coordinator, redis, "redis"), "the coordinator must reach Redis");
        Assert.False(Allows(worker, redis, "redis"), "workers must not reach Redis");
        Assert.True(Allows(null, worker, "metrics", fromPrometheus: true), "Prometheus must scrape workers");
        Assert.True(Allows(null, coordinator, "metrics", fromPrometheus: true), "Prometheus must scrape the coordinator");
        foreach (var client in pods.Where(p => p.Labels.GetValueOrDefault("app.kubernetes.io/component") == "client"))
        {
            Assert.True(Allows(client, coordinator, "grpc"), $"{client} must reach the coordinator");
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public void PodMonitor_SelectsEveryPodWithAMetricsPort(string dir)
    {
        var build = Build(dir);
        var monitor = build.OfKind("PodMonitor").Single();
        var selector = Workloads.MatchLabels(monitor.Body.At("spec.selector") as Dictionary<string, object?>, monitor.ToString());
        var endpoint = ((Dictionary<string, object?>)monitor.Body["spec"]!).Maps("podMetricsEndpoints").Single();
        Assert.Equal("/metrics", endpoint.Str("path"));
        foreach (var pod in Workloads.PodSpecs(build.Objects))
        {
            var hasMetrics = pod.PortNames.Contains(endpoint.Str("port")!);
            Assert.Equal(hasMetrics, Workloads.Selects(selector, pod.Labels));
        }
    }
}
