using Saol.Models.Augmentation;
using Saol.Models.Losses;
using Saol.TestKit;
using Saol.Torch;
using Saol.Torch.Serialization;
using Xunit;
using static Saol.Torch.torch;

namespace Saol.Models.Tests.Models;

/// <summary>
/// Runs our SAOL models and the independent PyTorch reference (tests/python/saol) on the same
/// weights and inputs, in one python process for the whole class.
/// </summary>
public sealed class SaolReferenceFixture : IDisposable
{
    public sealed record Case(string Name, string Arch, int Classes, string Options, int Size);

    public static readonly Case[] Cases =
    [
        new("plain", "resnet20", 10, "", 32),
        new("separable", "resnet20", 7, "separable=true;blocks=2,3;attention_channels=24", 32),
        new("imagenet", "resnet18", 5, "", 64),
        new("wide", "wrn16-4", 6, "blocks=1,3;attention_channels=32", 32),
    ];

    private readonly TempDir _dir = new("saol-ref-");

    public SaolReferenceFixture()
    {
        Services.RequirePython("torch", "torchvision", "numpy");
        torch.set_num_threads(2);
        var jobs = new List<PythonOracle.Job>();
        foreach (var c in Cases)
        {
            var ours = new Dictionary<string, Tensor>();
            using var network = ModelFactory.Create(c.Arch, "saol", c.Classes, ModelOptions.Parse(c.Options), seed: 42);
            manual_seed(7);
            var x = randn([4, 3, c.Size, c.Size]);
            var targets = torch.nn.functional.softmax(randn([4, c.Classes]) * 2.0, 1);
            // One training-mode pass so the BN running statistics are not the trivial 0/1.
            network.train();
            using (no_grad())
            {
                network.forward(randn([4, 3, c.Size, c.Size]) * 1.5 + 0.3).Dispose();
            }
            var weights = _dir.File(c.Name + ".weights.safetensors");
            ModelFactory.Save(network, weights);

            network.eval();
            using (no_grad())
            {
                using var eval = network.forward(x);
                Keep(ours, "eval.", eval);
            }

            network.train();
            var box = CutMixBox.FromRegion(c.Size / 4, (c.Size * 3) / 4, c.Size / 8, (c.Size * 5) / 8, c.Size, c.Size, [2, 3, 0, 1]);
            var loss = SaolLoss.Compute(network, x, targets, box);
            network.zero_grad();
            loss.Total.backward();
            ours["L_SL"] = loss.Supervised.detach().reshape(1);
            ours["L_SS1"] = loss.Mask.detach().reshape(1);
            ours["L_SS2"] = loss.Consistency.detach().reshape(1);
            ours["L_SD"] = loss.Distillation.detach().reshape(1);
            ours["total"] = loss.Total.detach().reshape(1);
            Keep(ours, "out.", loss.Outputs);
            foreach (var (name, p) in network.named_parameters())
            {
                if (p.grad is { } g)
                {
                    ours["grad." + name] = g.clone();
                }
            }
            Ours[c.Name] = ours;
            ParameterNames[c.Name] = network.named_parameters().Select(p => p.name).ToArray();

            var forwardInput = _dir.File(c.Name + ".forward-in.safetensors");
            SafeTensors.Save(new Dictionary<string, Tensor> { ["x"] = x }, forwardInput);
            var lossInput = _dir.File(c.Name + ".loss-in.safetensors");
            SafeTensors.Save(new Dictionary<string, Tensor>
            {
                ["x"] = x,
                ["targets"] = targets,
                ["perm"] = tensor(new long[] { 2, 3, 0, 1 }),
                ["box"] = tensor(new long[] { box.Top, box.Bottom, box.Left, box.Right }),
            }, lossInput);
            jobs.Add(new PythonOracle.Job("forward", weights, forwardInput, _dir.File(c.Name + ".forward-out.safetensors")));
            jobs.Add(new PythonOracle.Job("losses", weights, lossInput, _dir.File(c.Name + ".loss-out.safetensors"), Train: true));
        }
        PythonOracle.Run(_dir.Path, jobs);
        foreach (var c in Cases)
        {
            var reference = new Dictionary<string, Tensor>();
            foreach (var (k, v) in SafeTensors.Load(_dir.File(c.Name + ".forward-out.safetensors")))
            {
                reference["eval." + k] = v;
            }
            foreach (var (k, v) in SafeTensors.Load(_dir.File(c.Name + ".loss-out.safetensors")))
            {
                reference[k] = v;
            }
            Reference[c.Name] = reference;
        }
    }

    public Dictionary<string, Dictionary<string, Tensor>> Ours { get; } = [];

    public Dictionary<string, Dictionary<string, Tensor>> Reference { get; } = [];

    public Dictionary<string, string[]> ParameterNames { get; } = [];

    private static void Keep(Dictionary<string, Tensor> into, string prefix, SaolOutputs o)
    {
        into[prefix + "A"] = o.Attention!.detach().clone();
        into[prefix + "Y"] = o.Spatial!.detach().clone();
        into[prefix + "y_hat"] = o.YHat!.detach().clone();
        into[prefix + "M_hat"] = o.MaskProbability!.detach().clone();
        into[prefix + "gap_logits"] = o.GapLogits.detach().clone();
    }

    public void Dispose() => _dir.Dispose();
}

public sealed class SaolReferenceTests(SaolReferenceFixture fixture) : IClassFixture<SaolReferenceFixture>
{
    public static TheoryData<string> CaseNames => new(SaolReferenceFixture.Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Forward_EvalMode_MatchesReference(string name)
    {
        foreach (var output in new[] { "A", "Y", "y_hat", "M_hat", "gap_logits" })
        {
            TensorAssert.Close(fixture.Reference[name]["eval." + output], fixture.Ours[name]["eval." + output], $"{name} eval {output}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Forward_MixedBatchTrainMode_MatchesReference(string name)
    {
        foreach (var output in new[] { "A", "Y", "y_hat", "M_hat", "gap_logits" })
        {
            TensorAssert.Close(fixture.Reference[name]["out." + output], fixture.Ours[name]["out." + output], $"{name} mixed {output}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Losses_FixedCutMixBox_MatchReference(string name)
    {
        foreach (var loss in new[] { "L_SL", "L_SS1", "L_SS2", "L_SD", "total" })
        {
            var expected = fixture.Reference[name][loss].item<float>();
            Assert.True(expected > 0, $"{loss} should be positive on this batch, got {expected}");
            TensorAssert.Close(fixture.Reference[name][loss], fixture.Ours[name][loss], $"{name} {loss}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Gradients_EveryParameter_MatchReference(string name)
    {
        var names = fixture.ParameterNames[name];
        Assert.NotEmpty(names);
        foreach (var parameter in names)
        {
            var key = "grad." + parameter;
            Assert.True(fixture.Reference[name].ContainsKey(key), $"the reference has no gradient for {parameter}");
            Assert.True(fixture.Ours[name].ContainsKey(key), $"we have no gradient for {parameter}");
            if (parameter == "saol.attention.conv2.bias")
            {
                // The softmax over positions ignores a constant shift: this gradient is 0 up to rounding.
                Assert.True(fixture.Ours[name][key].abs().max().item<float>() < 1e-6, "attention bias gradient should vanish");
                Assert.True(fixture.Reference[name][key].abs().max().item<float>() < 1e-6, "reference attention bias gradient should vanish");
                continue;
            }
            TensorAssert.Close(fixture.Reference[name][key], fixture.Ours[name][key], $"{name} d total / d {parameter}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Outputs_AreDistributions(string name)
    {
        using var scope = NewDisposeScope();
        var a = fixture.Ours[name]["eval.A"];
        var y = fixture.Ours[name]["eval.Y"];
        var yHat = fixture.Ours[name]["eval.y_hat"];
        TensorAssert.Close(ones([a.shape[0]]), a.sum([1, 2, 3]), "Σ A");
        TensorAssert.Close(ones([y.shape[0], y.shape[2], y.shape[3]]), y.sum(1), "Σ_k Y");
        TensorAssert.Close(ones([yHat.shape[0]]), yHat.sum(1), "Σ ŷ");
    }
}
