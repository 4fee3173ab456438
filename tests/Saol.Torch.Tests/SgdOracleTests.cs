using Saol.Torch.Optim;
using Xunit;
using static Saol.Torch.torch;
using F = Saol.Torch.torch.nn.functional;

namespace Saol.Torch.Tests;

/// <summary>20-step SGD trajectories against torch.optim.SGD (tests/python/torch/sgd_oracle.py, one process).</summary>
public sealed class SgdOracleTests : IClassFixture<SgdOracleTests.Oracle>
{
    private static readonly string[] s_names = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];
    private const int Steps = 20;

    private readonly Oracle _oracle;

    public SgdOracleTests(Oracle oracle) => _oracle = oracle;

    public sealed class Oracle : IDisposable
    {
        public Oracle()
        {
            // One intra-op thread on both sides: test classes run in parallel on two cores.
            set_num_threads(1);
            manual_seed(3);
            Inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal)
            {
                ["init/fc1.weight"] = (randn(16, 8) * 0.3).DetachFromDisposeScope(),
                ["init/fc1.bias"] = (randn(16) * 0.1).DetachFromDisposeScope(),
                ["init/fc2.weight"] = (randn(4, 16) * 0.3).DetachFromDisposeScope(),
                ["init/fc2.bias"] = (randn(4) * 0.1).DetachFromDisposeScope(),
                ["x"] = randn(32, 8),
                ["y"] = randint(4, [32]),
            };
            Expected = PythonOracle.Run("sgd_oracle.py", Inputs, null, "1");
        }

        public Dictionary<string, Tensor> Inputs { get; }

        public Dictionary<string, Tensor> Expected { get; }

        public void Dispose()
        {
            foreach (var t in Inputs.Values.Concat(Expected.Values))
            {
                t.Dispose();
            }
        }
    }

    private static SGD Create(string variant, Dictionary<string, nn.Parameter> p) => variant switch
    {
        "plain" => optim.SGD(s_names.Select(n => p[n]), 0.1),
        "momentum" => optim.SGD(s_names.Select(n => p[n]), 0.1, momentum: 0.9),
        "nesterov" => optim.SGD(s_names.Select(n => p[n]), 0.1, momentum: 0.9, nesterov: true, weight_decay: 1e-4),
        "dampening_wd" => optim.SGD(s_names.Select(n => p[n]), 0.05, momentum: 0.9, dampening: 0.1, weight_decay: 1e-3),
        "groups" => optim.SGD(
            [new ParamGroup([p["fc1.weight"], p["fc2.weight"]], weight_decay: 1e-2), new ParamGroup([p["fc1.bias"], p["fc2.bias"]], weight_decay: 0)],
            0.1, momentum: 0.9, nesterov: true),
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    [Theory]
    [InlineData("plain")]
    [InlineData("momentum")]
    [InlineData("nesterov")]
    [InlineData("dampening_wd")]
    [InlineData("groups")]
    public void Sgd_TwentySteps_MatchesTorchOptimSgd(string variant)
    {
        var p = s_names.ToDictionary(n => n, n => new nn.Parameter(_oracle.Inputs["init/" + n].clone()));
        using var opt = Create(variant, p);
        var losses = new double[Steps];
        for (var step = 0; step < Steps; step++)
        {
            using var scope = NewDisposeScope();
            if (step == 10)
            {
                foreach (var g in opt.ParamGroups)
                {
                    g.LearningRate *= 0.5;
                }
            }
            opt.zero_grad();
            var h = F.relu(F.linear(_oracle.Inputs["x"], p["fc1.weight"], p["fc1.bias"]));
            var loss = F.cross_entropy(F.linear(h, p["fc2.weight"], p["fc2.bias"]), _oracle.Inputs["y"]);
            loss.backward();
            opt.step();
            losses[step] = loss.item<double>();
        }

        using var expectedLoss = _oracle.Expected[$"{variant}/loss"];
        using var actualLoss = tensor(losses);
        Close.Assert(expectedLoss, actualLoss, variant + "/loss");
        foreach (var n in s_names)
        {
            Close.Assert(_oracle.Expected[$"{variant}/final/{n}"], p[n], $"{variant}/final/{n}");
        }
        var state = opt.state_dict();
        var expectedState = _oracle.Expected.Keys.Where(k => k.StartsWith(variant + "/momentum/", StringComparison.Ordinal)).ToArray();
        Assert.Equal(expectedState.Length, state.Count);
        foreach (var key in expectedState)
        {
            var i = key[(variant.Length + "/momentum/".Length)..];
            Close.Assert(_oracle.Expected[key], state[$"state.{i}.momentum_buffer"], key);
        }
        foreach (var param in p.Values)
        {
            param.Dispose();
        }
    }

    [Fact]
    public void Sgd_StateExportedAndImported_ContinuesIdentically()
    {
        manual_seed(11);
        using var scope = NewDisposeScope();
        var x = randn(8, 4);
        var init = randn(3, 4);
        using var a = new nn.Parameter(init.clone());
        using var b = new nn.Parameter(init.clone());
        using var optA = optim.SGD([a], 0.1, momentum: 0.9, nesterov: true);
        void Step(SGD opt, Tensor w)
        {
            opt.zero_grad();
            F.linear(x, w).square().mean().backward();
            opt.step();
        }
        for (var i = 0; i < 3; i++)
        {
            Step(optA, a);
        }
        b.set_data(a.detach().clone());
        using var optB = optim.SGD([b], 0.1, momentum: 0.9, nesterov: true);
        optB.load_state_dict(optA.state_dict());
        for (var i = 0; i < 3; i++)
        {
            Step(optA, a);
            Step(optB, b);
        }
        Assert.True(a.equal(b));
    }

    [Fact]
    public void Sgd_InvalidOptions_Throw()
    {
        using var w = new nn.Parameter(zeros(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => optim.SGD([w], -0.1));
        Assert.Throws<ArgumentException>(() => optim.SGD([w], 0.1, nesterov: true));
        Assert.Throws<ArgumentException>(() => optim.SGD(Array.Empty<Tensor>(), 0.1));
        using var opt = optim.SGD([w], 0.1, momentum: 0.9);
        using var wrong = zeros(3);
        Assert.Throws<ArgumentException>(() => opt.load_state_dict(new Dictionary<string, Tensor> { ["state.0.momentum_buffer"] = wrong }));
        Assert.Throws<ArgumentException>(() => opt.load_state_dict(new Dictionary<string, Tensor> { ["state.7.momentum_buffer"] = wrong }));
    }
}
