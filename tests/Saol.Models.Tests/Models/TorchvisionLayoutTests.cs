using Saol.TestKit;
using Saol.Torch;
using Saol.Torch.Serialization;
using Xunit;
using static Saol.Torch.torch;

namespace Saol.Models.Tests.Models;

/// <summary>Our ImageNet ResNets load into torchvision's models with strict key matching and give the same logits.</summary>
public sealed class TorchvisionFixture : IDisposable
{
    public static readonly string[] Architectures = ["resnet18", "resnet50"];

    public static readonly string[] AllArchitectures = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"];

    public Dictionary<string, Dictionary<string, long[]>> TorchvisionShapes { get; } = [];

    private readonly TempDir _dir = new("saol-tv-");

    public TorchvisionFixture()
    {
        Services.RequirePython("torch", "torchvision", "numpy");
        torch.set_num_threads(2);
        var jobs = new List<PythonOracle.Job>();
        manual_seed(5);
        var x = randn([2, 3, 64, 64]);
        var input = _dir.File("x.safetensors");
        SafeTensors.Save(new Dictionary<string, Tensor> { ["x"] = x }, input);
        foreach (var arch in Architectures)
        {
            using var network = ModelFactory.Create(arch, "gapfc", 10, seed: 9);
            network.train();
            using (no_grad())
            {
                network.forward(randn([2, 3, 64, 64])).Dispose();
            }
            var weights = _dir.File(arch + ".safetensors");
            ModelFactory.Save(network, weights);
            network.eval();
            using (no_grad())
            {
                using var o = network.forward(x);
                Ours[arch] = o.GapLogits.clone();
            }
            jobs.Add(new PythonOracle.Job("torchvision", weights, input, _dir.File(arch + ".out.safetensors")));
        }
        foreach (var arch in AllArchitectures)
        {
            jobs.Add(new PythonOracle.Job("torchvision_shapes", "", "", _dir.File(arch + ".shapes.json"), Arch: arch, Classes: 17));
        }
        PythonOracle.Run(_dir.Path, jobs);
        foreach (var arch in AllArchitectures)
        {
            TorchvisionShapes[arch] = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, long[]>>(File.ReadAllText(_dir.File(arch + ".shapes.json")))!;
        }
        foreach (var arch in Architectures)
        {
            Reference[arch] = SafeTensors.Load(_dir.File(arch + ".out.safetensors"))["logits"];
        }
    }

    public Dictionary<string, Tensor> Ours { get; } = [];

    public Dictionary<string, Tensor> Reference { get; } = [];

    public void Dispose() => _dir.Dispose();
}

public sealed class TorchvisionLayoutTests(TorchvisionFixture fixture) : IClassFixture<TorchvisionFixture>
{
    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    public void Export_LoadsStrictlyIntoTorchvision_SameLogits(string arch)
    {
        // The oracle's load_state_dict(strict=True) would have failed the fixture on any key mismatch.
        TensorAssert.Close(fixture.Reference[arch], fixture.Ours[arch], arch + " logits");
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet34")]
    [InlineData("resnet50")]
    [InlineData("resnet101")]
    [InlineData("resnet152")]
    public void StateDict_EveryResNet_HasTorchvisionsNamesShapesAndOrder(string arch)
    {
        using var network = ModelFactory.Create(arch, "gapfc", 17);
        var ours = network.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToArray();
        var theirs = fixture.TorchvisionShapes[arch].Select(kv => (kv.Key, kv.Value)).ToArray();
        Assert.Equal(theirs.Select(t => t.Key), ours.Select(o => o.Key));
        for (var i = 0; i < ours.Length; i++)
        {
            Assert.True(theirs[i].Value.SequenceEqual(ours[i].shape), $"{arch} {ours[i].Key}: [{string.Join(", ", ours[i].shape)}] vs torchvision [{string.Join(", ", theirs[i].Value)}]");
        }
    }
}
