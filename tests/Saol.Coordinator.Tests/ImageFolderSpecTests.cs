using Saol.Coordinator.Jobs;
using Saol.Coordinator.Scheduling;
using Saol.Coordinator.Service;
using Saol.Data.Tests.ImageFolder;
using Saol.TestKit;
using Xunit;
using Pb = Saol.Protos.V1;

namespace Saol.Coordinator.Tests;

/// <summary>The imagefolder data set in job specs: validation naming the field, the wire mapping, the example ImageNet spec.</summary>
public sealed class ImageFolderSpecTests : IDisposable
{
    private readonly JpegTree _tree = new();

    public ImageFolderSpecTests()
    {
        foreach (var split in new[] { "train", "val" })
        {
            foreach (var cls in new[] { "n01440764", "n01443537" })
            {
                _tree.Add(Path.Combine(split, cls), "a.JPEG", 40, 36, seed: 1);
            }
        }
    }

    public void Dispose() => _tree.Dispose();

    private static string Yaml(string dataset, string model = "") => $"""
        model:
          backbone: resnet20
        {model}
        dataset:
          kind: imagefolder
        {dataset}
        training:
          global_batch: 2
        """;

    private static JobSpecError Refused(string yaml, string field)
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecLoader.Parse(yaml));
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        return Assert.Single(e.Errors, x => x.Field == field);
    }

    [Fact]
    public void Parse_ImageNetAliasWithRoot_IsTheImageFolderOfTrainAndVal()
    {
        var spec = JobSpecLoader.Parse(Yaml($"  path: {_tree.Root}").Replace("kind: imagefolder", "kind: imagenet", StringComparison.Ordinal));
        Assert.Equal("imagefolder", spec.Dataset.Kind);
        var descriptor = spec.DatasetDescriptor();
        Assert.Equal(Path.Combine(_tree.Root, "train"), descriptor.Path);
        Assert.Equal(Path.Combine(_tree.Root, "val"), descriptor.ValPath);
        Assert.Equal((3, 224, 2), descriptor.Shape());
        Assert.Equal(2, descriptor.TrainCount());
    }

    [Fact]
    public void Parse_ImageFolderMissingValDirectory_NamesValPath()
    {
        var error = Refused(Yaml($"  train_path: {_tree.Root}/train\n  val_path: {_tree.Root}/validation"), "dataset.val_path");
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("validation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ImageFolderWithoutAnyPath_NamesTrainAndValPath()
    {
        var e = Assert.Throws<JobSpecException>(() => JobSpecLoader.Parse(Yaml("  path: ''")));
        Assert.Contains(e.Errors, x => x.Field == "dataset.train_path" && x.Message.Contains("not set", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Field == "dataset.val_path");
    }

    [Fact]
    public void Parse_ImageFolderClassesDiffer_NamesValPathAndTheClasses()
    {
        _tree.Add(Path.Combine("val", "n99999999"), "z.JPEG", 40, 36);
        var error = Refused(Yaml($"  path: {_tree.Root}"), "dataset.val_path");
        Assert.Contains("only in val: n99999999", error.Message, StringComparison.Ordinal);
        Assert.Contains("only in train: none", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ImageFolderWrongNumClasses_NamesNumClasses()
    {
        var error = Refused(Yaml($"  path: {_tree.Root}", "  num_classes: 1000"), "model.num_classes");
        Assert.Contains("has 2 classes, got 1000", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, JobSpecLoader.Parse(Yaml($"  path: {_tree.Root}", "  num_classes: 2")).Model.NumClasses);
    }

    [Theory]
    [InlineData("  image_size: 16", "dataset.image_size", "between 32 and 1024")]
    [InlineData("  mean: [0.5, 0.5]", "dataset.mean", "3 finite values")]
    [InlineData("  std: [0.2, 0, 0.2]", "dataset.std", "3 positive")]
    public void Parse_ImageFolderBadTransformField_NamesIt(string line, string field, string message)
    {
        var error = Refused(Yaml($"  path: {_tree.Root}\n{line}"), field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FashionMnistWrongNumClasses_NamesNumClasses()
    {
        var error = Refused("model:\n  num_classes: 3\ndataset:\n  kind: synthetic\n  synthetic_classes: 4", "model.num_classes");
        Assert.Contains("has 4 classes, got 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToProto_ImageFolder_CarriesPathsAndShape_AndFromProtoRestoresTheSpec()
    {
        var spec = JobSpecLoader.Parse(Yaml($"  path: {_tree.Root}\n  image_size: 64\n  mean: [0.5, 0.5, 0.5]\n  std: [0.25, 0.25, 0.25]"));
        var proto = JobSpecMapping.ToProto(spec);
        Assert.Equal(Pb.DatasetFormat.ImageFolder, proto.Dataset.Format);
        Assert.Equal(Path.Combine(_tree.Root, "train"), proto.Dataset.TrainPath);
        Assert.Equal(Path.Combine(_tree.Root, "val"), proto.Dataset.ValPath);
        Assert.Equal((2, 64, 3), (proto.Model.NumClasses, proto.Model.ImageSize, proto.Model.InChannels));
        Assert.Equal([0.25f, 0.25f, 0.25f], proto.Dataset.Std);

        var back = JobSpecMapping.FromProto(proto);
        Assert.Equal(spec.DatasetDescriptor(), back.DatasetDescriptor());
        Assert.Equal(JobSpecMapping.ToProto(back), proto);
        // The canonical JSON (stored by the coordinator, embedded in checkpoints) parses back to the same spec.
        var json = JobSpecLoader.ToJson(back);
        Assert.Equal(json, JobSpecLoader.ToJson(JobSpecLoader.Parse(json)));
    }

    [Fact]
    public void FromProto_ImageFolderWithOneChannelOrWrongClasses_NamesTheField()
    {
        var proto = JobSpecMapping.ToProto(JobSpecLoader.Parse(Yaml($"  path: {_tree.Root}")));
        proto.Model.InChannels = 1;
        var e = Assert.Throws<JobSpecException>(() => JobSpecMapping.FromProto(proto));
        Assert.Contains(e.Errors, x => x.Field == "model.in_channels" && x.Message.Contains("must be 3", StringComparison.Ordinal));
        proto.Model.InChannels = 3;
        proto.Model.NumClasses = 5;
        e = Assert.Throws<JobSpecException>(() => JobSpecMapping.FromProto(proto));
        Assert.Contains(e.Errors, x => x.Field == "model.num_classes");
    }

    [Theory]
    [InlineData("eng/jobs/imagenet-resnet50.yaml")]
    [InlineData("k8s/overlays/imagenet-32x8/imagenet-resnet50-saol.yaml")]
    public void ImageNetSpec_OnAGeneratedTree_ValidatesWithTheGoyalRecipe(string file)
    {
        var text = File.ReadAllText(Repo.PathOf(file.Split('/')));
        Assert.Contains("  path: /data/imagenet", text, StringComparison.Ordinal);
        // The real spec names 1000 classes; the generated tree has 2.
        text = text.Replace("  path: /data/imagenet", $"  path: {_tree.Root}", StringComparison.Ordinal).Replace("num_classes: 1000", "num_classes: 2", StringComparison.Ordinal);
        var spec = JobSpecLoader.Parse(text);

        Assert.Equal(("resnet50", "saol", "imagefolder", 224), (spec.Model.Backbone, spec.Model.Head, spec.Dataset.Kind, spec.Dataset.ImageSize));
        Assert.Equal((4096, 90, 5.0), (spec.Training.GlobalBatch, spec.Training.Epochs, spec.Training.WarmupEpochs));
        Assert.Equal([30, 60, 80], spec.Training.Milestones);
        var schedule = new LearningRateSchedule(spec.Training, stepsPerEpoch: 100);
        Assert.Equal(1.6, schedule.PeakLr, 12);
        Assert.Equal(1.6, schedule.At(5 * 100), 12);
        Assert.Equal(0.16, schedule.At(30 * 100), 12);
        Assert.Equal(0.0016, schedule.At(80 * 100), 12);
        Assert.Equal(Pb.DatasetFormat.ImageFolder, JobSpecMapping.ToProto(spec).Dataset.Format);
    }

    [Fact]
    public async Task Submit_ImageFolderWithAnEmptyClass_IsRefusedNamingTrainPath()
    {
        Directory.CreateDirectory(Path.Combine(_tree.Root, "train", "n01443537", "empty"));
        File.Delete(Path.Combine(_tree.Root, "train", "n01443537", "a.JPEG"));
        var spec = JobSpecLoader.Parse(Yaml($"  path: {_tree.Root}"));
        await using var store = Saol.Coordinator.State.StateStore.CreateInMemory();
        var coordinator = new JobCoordinator(store);
        var e = await Assert.ThrowsAsync<JobSpecException>(() => coordinator.SubmitAsync(spec, CancellationToken.None)).DefaultTimeout();
        var error = Assert.Single(e.Errors);
        Assert.Equal("dataset.train_path", error.Field);
        Assert.Contains("n01443537", error.Message, StringComparison.Ordinal);
    }
}
