namespace Saol.Deploy.Tests;

/// <summary>One Kubernetes object of a build.</summary>
public sealed record K8sObject(string Kind, string Name, Dictionary<string, object?> Body, string Source)
{
    public string? Namespace => Body.At("metadata.namespace") as string;

    public Dictionary<string, string> Labels => (Body.At("metadata.labels") as Dictionary<string, object?>).StringMap();

    public override string ToString() => $"{Kind}/{Name} ({Source})";
}

/// <summary>
/// The subset of kustomize this repository uses, implemented from the kustomize documentation so the manifests can
/// be built and checked without a cluster or a kustomize binary: resources (files and directories), namespace,
/// images, replicas, strategic-merge patches with a target, and ConfigMap/Secret generators from files. Any other
/// kustomization field is refused, so a manifest can never rely on something this build silently ignores.
/// Generated names get no hash suffix here (kubectl's build adds one; the cross-check test strips it).
/// </summary>
public sealed class KustomizeBuild
{
    private static readonly HashSet<string> s_supportedFields = new(StringComparer.Ordinal)
    {
        "apiVersion", "kind", "namespace", "resources", "images", "replicas", "patches", "configMapGenerator", "secretGenerator",
    };

    private static readonly HashSet<string> s_clusterScoped = new(StringComparer.Ordinal)
    {
        "Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "CustomResourceDefinition",
    };

    private readonly List<K8sObject> _objects = [];
    private readonly HashSet<string> _filesUsed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _secretKeys = new(StringComparer.Ordinal);

    private KustomizeBuild()
    {
    }

    public IReadOnlyList<K8sObject> Objects => _objects;

    /// <summary>Every file the build read or referenced (kustomization files, resources, patches, generator sources).</summary>
    public IReadOnlySet<string> FilesUsed => _filesUsed;

    /// <summary>The keys of each generated Secret (the values are deployment-time input, not in git).</summary>
    public IReadOnlyDictionary<string, HashSet<string>> SecretKeys => _secretKeys;

    public static KustomizeBuild Run(string directory)
    {
        var build = new KustomizeBuild();
        build.Build(Path.GetFullPath(directory));
        return build;
    }

    public IEnumerable<K8sObject> OfKind(string kind) => _objects.Where(o => o.Kind == kind);

    public K8sObject Get(string kind, string name) =>
        _objects.SingleOrDefault(o => o.Kind == kind && o.Name == name) ?? throw new InvalidDataException($"the build has no {kind}/{name}");

    private void Build(string directory)
    {
        var file = Path.Combine(directory, "kustomization.yaml");
        if (!File.Exists(file))
        {
            throw new InvalidDataException($"{directory} has no kustomization.yaml");
        }
        _filesUsed.Add(file);
        var k = Yaml.LoadOne(file);
        foreach (var field in k.Keys)
        {
            if (!s_supportedFields.Contains(field))
            {
                throw new InvalidDataException($"{file}: field '{field}' is not supported by this offline build; extend KustomizeBuild first");
            }
        }
        if (k.Str("kind") != "Kustomization")
        {
            throw new InvalidDataException($"{file}: kind must be Kustomization");
        }

        var own = new List<K8sObject>();
        foreach (var entry in k.List("resources").Cast<string>())
        {
            var path = Path.GetFullPath(Path.Combine(directory, entry));
            if (Directory.Exists(path))
            {
                var inner = new KustomizeBuild();
                inner.Build(path);
                own.AddRange(inner._objects);
                _filesUsed.UnionWith(inner._filesUsed);
                foreach (var (name, keys) in inner._secretKeys)
                {
                    _secretKeys[name] = keys;
                }
            }
            else if (File.Exists(path))
            {
                _filesUsed.Add(path);
                foreach (var doc in Yaml.LoadAll(File.ReadAllText(path), path))
                {
                    own.Add(ToObject(doc, path));
                }
            }
            else
            {
                throw new InvalidDataException($"{file}: resource '{entry}' does not exist");
            }
        }
        own.AddRange(Generate(k, directory, file, "configMapGenerator", "ConfigMap"));
        own.AddRange(Generate(k, directory, file, "secretGenerator", "Secret"));

        foreach (var patch in k.Maps("patches"))
        {
            ApplyPatch(own, patch, directory, file);
        }
        foreach (var replicas in k.Maps("replicas"))
        {
            var targets = own.Where(o => o.Name == replicas.Str("name") && o.Kind is "Deployment" or "StatefulSet" or "ReplicaSet").ToList();
            if (targets.Count == 0)
            {
                throw new InvalidDataException($"{file}: replicas for '{replicas.Str("name")}' matches no workload");
            }
            foreach (var t in targets)
            {
                ((Dictionary<string, object?>)t.Body["spec"]!)["replicas"] = replicas.Str("count") ?? throw new InvalidDataException($"{file}: replicas entry without count");
            }
        }
        foreach (var image in k.Maps("images"))
        {
            SetImages(own, image);
        }
        if (k.Str("namespace") is { } ns)
        {
            foreach (var o in own.Where(o => !s_clusterScoped.Contains(o.Kind)))
            {
                ((Dictionary<string, object?>)o.Body["metadata"]!)["namespace"] = ns;
            }
        }
        var duplicate = own.GroupBy(o => (o.Kind, o.Name)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidDataException($"{duplicate.Key.Kind}/{duplicate.Key.Name} is defined twice: {string.Join(", ", duplicate.Select(o => o.Source))}");
        }
        _objects.AddRange(own);
    }

    private static K8sObject ToObject(Dictionary<string, object?> doc, string source)
    {
        var kind = doc.Str("kind") ?? throw new InvalidDataException($"{source}: an object has no kind");
        if (doc.Str("apiVersion") is null)
        {
            throw new InvalidDataException($"{source}: {kind} has no apiVersion");
        }
        var name = doc.At("metadata.name") as string ?? throw new InvalidDataException($"{source}: a {kind} has no metadata.name");
        return new K8sObject(kind, name, doc, source);
    }

    private IEnumerable<K8sObject> Generate(Dictionary<string, object?> k, string directory, string file, string field, string kind)
    {
        foreach (var generator in k.Maps(field))
        {
            var name = generator.Str("name") ?? throw new InvalidDataException($"{file}: a {field} entry has no name");
            var data = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var entry in generator.List("files").Cast<string>())
            {
                var eq = entry.IndexOf('=', StringComparison.Ordinal);
                var key = eq < 0 ? Path.GetFileName(entry) : entry[..eq];
                var path = Path.GetFullPath(Path.Combine(directory, eq < 0 ? entry : entry[(eq + 1)..]));
                _filesUsed.Add(path);
                if (kind == "Secret")
                {
                    // Secret sources are deployment-time input and never in git; only their keys are known here.
                    data[key] = File.Exists(path) ? "(set)" : "(generated at deploy time)";
                }
                else
                {
                    data[key] = File.Exists(path) ? File.ReadAllText(path) : throw new InvalidDataException($"{file}: {field} '{name}' reads '{entry}', which does not exist");
                }
            }
            if (kind == "Secret")
            {
                _secretKeys[name] = [.. data.Keys];
            }
            var labels = (generator.At("options.labels") as Dictionary<string, object?>) ?? [];
            yield return new K8sObject(kind, name, new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["apiVersion"] = "v1",
                ["kind"] = kind,
                ["metadata"] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = name, ["labels"] = Yaml.Clone(labels) },
                ["data"] = data,
            }, file);
        }
    }

    private void ApplyPatch(List<K8sObject> objects, Dictionary<string, object?> patch, string directory, string file)
    {
        var path = Path.GetFullPath(Path.Combine(directory, patch.Str("path") ?? throw new InvalidDataException($"{file}: only file patches ('path') are supported")));
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{file}: patch '{patch.Str("path")}' does not exist");
        }
        _filesUsed.Add(path);
        var body = Yaml.LoadOne(path);
        var kind = patch.At("target.kind") as string ?? body.Str("kind");
        var name = patch.At("target.name") as string ?? body.At("metadata.name") as string;
        var targets = objects.Where(o => o.Kind == kind && o.Name == name).ToList();
        if (targets.Count == 0)
        {
            throw new InvalidDataException($"{file}: patch '{patch.Str("path")}' targets {kind}/{name}, which the build does not have");
        }
        foreach (var target in targets)
        {
            StrategicMerge(target.Body, body, path);
        }
    }

    /// <summary>
    /// Strategic merge as Kubernetes defines it for the fields used here: mappings merge key by key, a null value
    /// deletes, lists of named items (containers, env, volumes, volumeMounts) merge by name, other lists replace.
    /// </summary>
    private static void StrategicMerge(Dictionary<string, object?> target, Dictionary<string, object?> patch, string source)
    {
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$'))
            {
                throw new InvalidDataException($"{source}: patch directive '{key}' is not supported");
            }
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is Dictionary<string, object?> patchMap && target.GetValueOrDefault(key) is Dictionary<string, object?> targetMap)
            {
                StrategicMerge(targetMap, patchMap, source);
            }
            else if (value is List<object?> patchList && target.GetValueOrDefault(key) is List<object?> targetList && IsNamedList(patchList) && IsNamedList(targetList))
            {
                foreach (var item in patchList.Cast<Dictionary<string, object?>>())
                {
                    var existing = targetList.Cast<Dictionary<string, object?>>().FirstOrDefault(t => t.Str("name") == item.Str("name"));
                    if (existing is null)
                    {
                        targetList.Add(Yaml.Clone(item));
                    }
                    else
                    {
                        StrategicMerge(existing, item, source);
                    }
                }
            }
            else
            {
                target[key] = Yaml.Clone(value);
            }
        }
    }

    private static bool IsNamedList(List<object?> list) =>
        list.Count > 0 && list.All(i => i is Dictionary<string, object?> m && m.Str("name") is not null);

    private static void SetImages(List<K8sObject> objects, Dictionary<string, object?> image)
    {
        var name = image.Str("name") ?? throw new InvalidDataException("an images entry has no name");
        foreach (var pod in Workloads.PodSpecs(objects))
        {
            foreach (var container in pod.Spec.Maps("containers").Concat(pod.Spec.Maps("initContainers")))
            {
                var current = container.Str("image") ?? "";
                var colon = current.LastIndexOf(':');
                var (repo, tag) = colon > 0 && !current[(colon + 1)..].Contains('/', StringComparison.Ordinal) ? (current[..colon], current[(colon + 1)..]) : (current, (string?)null);
                if (repo == name)
                {
                    container["image"] = (image.Str("newName") ?? repo) + ":" + (image.Str("newTag") ?? tag ?? "latest");
                }
            }
        }
    }
}

/// <summary>Pod templates of workloads and label selection.</summary>
public static class Workloads
{
    public sealed record PodTemplate(K8sObject Owner, Dictionary<string, string> Labels, Dictionary<string, object?> Spec)
    {
        public IEnumerable<Dictionary<string, object?>> Containers => Spec.Maps("containers");

        public IEnumerable<string> PortNames => Containers.SelectMany(c => c.Maps("ports")).Select(p => p.Str("name")).OfType<string>();

        public IEnumerable<string> PortNumbers => Containers.SelectMany(c => c.Maps("ports")).Select(p => p.Str("containerPort")).OfType<string>();

        public override string ToString() => Owner.ToString();
    }

    public static IEnumerable<PodTemplate> PodSpecs(IEnumerable<K8sObject> objects)
    {
        foreach (var o in objects)
        {
            var template = o.Kind switch
            {
                "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" or "Job" => o.Body.At("spec.template") as Dictionary<string, object?>,
                "CronJob" => o.Body.At("spec.jobTemplate.spec.template") as Dictionary<string, object?>,
                "Pod" => o.Body,
                _ => null,
            };
            if (template is null)
            {
                continue;
            }
            var spec = template.Map("spec") ?? throw new InvalidDataException($"{o}: pod template without spec");
            yield return new PodTemplate(o, (template.At("metadata.labels") as Dictionary<string, object?>).StringMap(), spec);
        }
    }

    /// <summary>True when every label of <paramref name="selector"/> is on <paramref name="labels"/> (matchLabels semantics).</summary>
    public static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>A label selector's matchLabels; matchExpressions are refused (not used here, so not checked).</summary>
    public static Dictionary<string, string> MatchLabels(Dictionary<string, object?>? selector, string where)
    {
        if (selector is null)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }
        if (selector.ContainsKey("matchExpressions"))
        {
            throw new InvalidDataException($"{where}: matchExpressions are not supported by the offline checks");
        }
        return selector.ContainsKey("matchLabels") ? selector.Map("matchLabels").StringMap() : selector.StringMap();
    }
}
