using Saol.TestKit;
using Xunit;

namespace Saol.Deploy.Tests;

/// <summary>The ImageNet overlay: 32 nodes × 8 GPUs × 16 images per GPU = global batch 4096, everywhere it is stated.</summary>
public sealed class OverlayTests
{
    private const int Nodes = 32;
    private const int GpusPerNode = 8;
    private const int PerDeviceBatch = 16;

    private static readonly KustomizeBuild s_overlay = KustomizeBuild.Run(Repo.PathOf("k8s", "overlays", "imagenet-32x8"));

    private static Dictionary<string, object?> Spec()
    {
        var configMap = s_overlay.Get("ConfigMap", "saol-job-imagenet");
        var text = (string)((Dictionary<string, object?>)configMap.Body["data"]!)["job.yaml"]!;
        return Yaml.LoadAll(text, "job.yaml").Single();
    }

    private static int Int(object? value, string what) =>
        int.TryParse(value as string, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : throw new InvalidDataException($"{what} is not an integer: '{value}'");

    [Fact]
    public void Overlay_WorkersGpusAndPerDeviceBatch_MultiplyToTheGlobalBatch()
    {
        var worker = Workloads.PodSpecs(s_overlay.OfKind("StatefulSet")).Single(p => p.Owner.Name == "saol-worker");
        var replicas = Int(worker.Owner.Body.At("spec.replicas"), "saol-worker replicas");
        var container = worker.Containers.Single();
        var gpus = Int(((Dictionary<string, object?>)container.At("resources.limits")!).Str("nvidia.com/gpu"), "nvidia.com/gpu");
        var devices = Int(container.Maps("env").Single(e => e.Str("name") == "SAOL_DEVICES").Str("value"), "SAOL_DEVICES");

        var spec = Spec();
        var globalBatch = Int(spec.At("training.global_batch"), "training.global_batch");
        var specWorkers = Int(spec.At("cluster.workers"), "cluster.workers");
        var specDevices = Int(spec.At("cluster.devices_per_worker"), "cluster.devices_per_worker");

        Assert.Equal((Nodes, GpusPerNode), (replicas, gpus));
        Assert.Equal(replicas, specWorkers);
        Assert.Equal(gpus, specDevices);
        Assert.Equal(gpus, devices);
        Assert.Equal(4096, globalBatch);
        Assert.Equal(globalBatch, replicas * gpus * PerDeviceBatch);
        Assert.Equal(0, globalBatch % (specWorkers * specDevices));
        Assert.Equal("cuda", spec.At("cluster.device"));
        var minWorkers = Int(spec.At("cluster.min_workers"), "cluster.min_workers");
        Assert.InRange(minWorkers, 1, specWorkers);
    }

    [Fact]
    public void Overlay_LearningRateRecipe_IsGoyalLinearScaling()
    {
        var spec = Spec();
        var lr = double.Parse((string)spec.At("training.base_lr")!, System.Globalization.CultureInfo.InvariantCulture);
        var baseBatch = Int(spec.At("training.base_batch"), "training.base_batch");
        var globalBatch = Int(spec.At("training.global_batch"), "training.global_batch");
        Assert.Equal(1.6, lr * globalBatch / baseBatch, 12);
        Assert.Equal("5", spec.At("training.warmup_epochs"));
        Assert.Equal("resnet50", spec.At("model.backbone"));
        Assert.Equal("saol", spec.At("model.head"));
    }

    [Fact]
    public void Overlay_CheckpointsAndDataLiveOnTheMountedClaims()
    {
        var spec = Spec();
        var worker = Workloads.PodSpecs(s_overlay.OfKind("StatefulSet")).Single(p => p.Owner.Name == "saol-worker");
        var mounts = worker.Containers.Single().Maps("volumeMounts").Select(m => m.Str("mountPath")!).ToList();
        Assert.Contains(mounts, m => ((string)spec.At("checkpoint.directory")!).StartsWith(m + "/", StringComparison.Ordinal));
        Assert.Contains(mounts, m => ((string)spec.At("dataset.path")!).StartsWith(m + "/", StringComparison.Ordinal));

        // The coordinator validates the spec at submit and counts the training images: it needs the data too.
        var coordinator = Workloads.PodSpecs(s_overlay.OfKind("Deployment")).Single(p => p.Owner.Name == "saol-coordinator");
        var coordinatorMounts = coordinator.Containers.Single().Maps("volumeMounts").Select(m => m.Str("mountPath")!).ToList();
        Assert.Contains(coordinatorMounts, m => ((string)spec.At("dataset.path")!).StartsWith(m + "/", StringComparison.Ordinal));
    }

    [Fact]
    public void Overlay_SubmitJob_MountsTheSpecItSubmitsAndTheDataItValidates()
    {
        var submit = Workloads.PodSpecs(s_overlay.OfKind("Job")).Single();
        var container = submit.Containers.Single();
        var args = container.List("args").Cast<string>().ToList();
        Assert.Equal("submit", args[0]);
        var mounts = container.Maps("volumeMounts").ToList();
        var mount = mounts.Single(m => m.Str("mountPath") + "/job.yaml" == args[^1]);
        // `saol submit` validates the spec before sending it, which lists the data set's class folders.
        var dataPath = (string)Spec().At("dataset.path")!;
        Assert.Contains(mounts, m => dataPath.StartsWith(m.Str("mountPath") + "/", StringComparison.Ordinal));
        var volume = submit.Spec.Maps("volumes").Single(v => v.Str("name") == mount.Str("name"));
        Assert.Equal("saol-job-imagenet", volume.At("configMap.name"));
        Assert.Equal("client", submit.Labels["app.kubernetes.io/component"]);
    }
}
