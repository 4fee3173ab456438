using Saol.Coordinator.Jobs;
using Saol.TestKit;
using Xunit;

namespace Saol.Coordinator.Tests;

public sealed class JobSpecTests
{
    private const string ValidYaml = """
        name: fashion
        seed: 7
        model:
          backbone: resnet20
          head: saol
        dataset:
          kind: synthetic
          synthetic_train_size: 256
        training:
          global_batch: 64
          epochs: 3
          base_lr: 0.1
          base_batch: 256
          warmup_epochs: 1
          schedule: step
          milestones: [2]
        cut_mix:
          probability: 0.5
        cluster:
          workers: 2
          devices_per_worker: 2
        checkpoint:
          directory: /tmp/ckpt
          every_steps: 10
          keep_last: 2
        """;

    [Fact]
    public void Parse_ValidYaml_ReadsEveryField()
    {
        var spec = JobSpecLoader.Parse(ValidYaml);
        Assert.Equal("fashion", spec.Name);
        Assert.Equal(7, spec.Seed);
        Assert.Equal(64, spec.Training.GlobalBatch);
        Assert.Equal([2], spec.Training.Milestones);
        Assert.Equal(2, spec.Cluster.DevicesPerWorker);
        Assert.Equal(10, spec.Checkpoint.EverySteps);
        Assert.Equal(0.5, spec.CutMix.Probability);
    }

    [Fact]
    public void ToJson_RoundTrip_GivesTheSameSpec()
    {
        var spec = JobSpecLoader.Parse(ValidYaml);
        var json = JobSpecLoader.ToJson(spec);
        Assert.Contains("\"global_batch\":64", json, StringComparison.Ordinal);
        var again = JobSpecLoader.Parse(json);
        Assert.Equal(json, JobSpecLoader.ToJson(again));
    }

    [Theory]
    [InlineData("training:\n  global_batch: 100\ncluster:\n  workers: 3\ndataset:\n  kind: synthetic", "training.global_batch", "not divisible")]
    [InlineData("model:\n  backbone: vgg99\ndataset:\n  kind: synthetic", "model.backbone", "unknown model 'vgg99'")]
    [InlineData("model:\n  head: fancy\ndataset:\n  kind: synthetic", "model.head", "unknown head")]
    [InlineData("dataset:\n  kind: fashion-mnist\n  path: /nonexistent/fmnist", "dataset.path", "does not exist")]
    [InlineData("training:\n  base_lr: 0\ndataset:\n  kind: synthetic", "training.base_lr", "must be positive")]
    [InlineData("training:\n  base_lr: -0.5\ndataset:\n  kind: synthetic", "training.base_lr", "must be positive")]
    [InlineData("training:\n  epochs: 0\ndataset:\n  kind: synthetic", "training.epochs", "must be > 0")]
    [InlineData("training:\n  schedule: linear\ndataset:\n  kind: synthetic", "training.schedule", "unknown schedule")]
    [InlineData("checkpoint:\n  keep_last: -1\ndataset:\n  kind: synthetic", "checkpoint.keep_last", "must be >= 0")]
    [InlineData("dataset:\n  kind: cifar10", "dataset.kind", "unknown data set")]
    public void Parse_BadField_IsRefusedNamingTheField(string yaml, string field, string message)
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecLoader.Parse(yaml));
        var error = Assert.Single(e.Errors, x => x.Field == field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKey_IsRefusedNamingTheKey()
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecLoader.Parse("training:\n  batch: 64\n"));
        Assert.Contains("batch", e.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Json_IsAccepted()
    {
        var spec = JobSpecLoader.Parse("""{"dataset": {"kind": "synthetic"}, "training": {"global_batch": 32}}""");
        Assert.Equal(32, spec.Training.GlobalBatch);
    }

    [Fact]
    public void Parse_ElasticBatchThatNoSmallerGenerationSplits_IsRefused()
    {
        var yaml = "dataset:\n  kind: synthetic\ntraining:\n  global_batch: 64\ncluster:\n  workers: 4\n  elastic: true\n  min_workers: 3";
        var e = Assert.Throws<JobSpecException>(() => JobSpecLoader.Parse(yaml));
        Assert.Contains("with 3 workers", e.Errors.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SpecFile_IsParsed()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("job.yaml"), ValidYaml);
        Assert.Equal("fashion", JobSpecLoader.Load(dir.File("job.yaml")).Name);
        Assert.Throws<FileNotFoundException>(() => JobSpecLoader.Load(dir.File("missing.yaml")));
    }

    [Fact]
    public void ShardPlan_ExactSplit_HasNoAccumulation()
    {
        var plan = ShardPlan.Create(64, 2, 2, elastic: false, maxPerDeviceBatch: 16);
        Assert.Equal((1, 16, 32), (plan.AccumulationSteps, plan.PerDeviceBatch, plan.PerWorkerBatch));
    }

    [Fact]
    public void ShardPlan_ElasticWithFewerWorkers_KeepsTheGlobalBatchByAccumulating()
    {
        // 4 workers × 16 = 64; with 2 left each device would need 32 > 16, so accumulate twice.
        var plan = ShardPlan.Create(64, 2, 1, elastic: true, maxPerDeviceBatch: 16);
        Assert.Equal((2, 16), (plan.AccumulationSteps, plan.PerDeviceBatch));
        Assert.Equal(64, plan.Workers * plan.PerWorkerBatch);
    }

    [Fact]
    public void ShardPlan_NotDivisible_NamesTheField()
    {
        var e = Assert.Throws<JobSpecException>(() => ShardPlan.Create(64, 3, 1, elastic: false, maxPerDeviceBatch: 64));
        Assert.Equal("training.global_batch", e.Errors.Single().Field);
    }
}
