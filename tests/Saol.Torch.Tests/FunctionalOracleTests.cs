using Saol.Torch.Serialization;
using Xunit;
using static Saol.Torch.torch;
using F = Saol.Torch.torch.nn.functional;

namespace Saol.Torch.Tests;

/// <summary>
/// Forward values and gradients of every functional op (and a small conv net) against
/// python3-torch 1.13, computed by tests/python/torch/functional_oracle.py in one process.
/// </summary>
public sealed class FunctionalOracleTests : IClassFixture<FunctionalOracleTests.Oracle>
{
    private const int Threads = 1;

    private readonly Oracle _oracle;

    public FunctionalOracleTests(Oracle oracle) => _oracle = oracle;

    private sealed record Case(string Name, Dictionary<string, Tensor> Inputs, string[] Grad, Func<Dictionary<string, Tensor>, Tensor[]> Run);

    private static Dictionary<string, Tensor> In(params (string name, Tensor value)[] inputs) => inputs.ToDictionary(i => i.name, i => i.value.DetachFromDisposeScope());

    private static Case[] BuildCases()
    {
        manual_seed(42);
        var probs = softmax01(randn(6, 5));
        var bnx = randn(4, 3, 5, 5) * 2.0 + 0.5;
        return
        [
            new("conv2d_groups", In(("x", randn(2, 4, 9, 9)), ("w", randn(6, 2, 3, 3)), ("b", randn(6))), ["x", "w", "b"],
                i => [F.conv2d(i["x"], i["w"], i["b"], strides: [2], padding: [1], dilation: [1], groups: 2)]),
            new("conv2d_dilated", In(("x", randn(2, 3, 8, 8)), ("w", randn(5, 3, 3, 3))), ["x", "w"],
                i => [F.conv2d(i["x"], i["w"], null, strides: [1], padding: [2], dilation: [2])]),
            new("conv2d_depthwise", In(("x", randn(2, 4, 6, 6)), ("w", randn(4, 1, 3, 3)), ("b", randn(4))), ["x", "w", "b"],
                i => [F.conv2d(i["x"], i["w"], i["b"], 1, 1, groups: 4)]),
            new("batch_norm_train", In(("x", bnx), ("rm", randn(3)), ("rv", rand(3) + 0.5), ("w", randn(3)), ("b", randn(3))), ["x", "w", "b"],
                i =>
                {
                    var rm = i["rm"].clone();
                    var rv = i["rv"].clone();
                    return [F.batch_norm(i["x"], rm, rv, i["w"], i["b"], training: true, momentum: 0.1, eps: 1e-5), rm, rv];
                }),
            new("batch_norm_eval", In(("x", randn(4, 3, 5, 5)), ("rm", randn(3)), ("rv", rand(3) + 0.5), ("w", randn(3)), ("b", randn(3))), ["x", "w", "b"],
                i => [F.batch_norm(i["x"], i["rm"], i["rv"], i["w"], i["b"], training: false, eps: 1e-5)]),
            new("relu", In(("x", randn(3, 7))), ["x"], i => [F.relu(i["x"])]),
            new("sigmoid", In(("x", randn(3, 7))), ["x"], i => [F.sigmoid(i["x"])]),
            new("max_pool2d", In(("x", randn(2, 3, 9, 9))), ["x"], i => [F.max_pool2d(i["x"], 3, stride: 2, padding: 1)]),
            new("max_pool2d_ceil", In(("x", randn(2, 3, 7, 7))), ["x"], i => [F.max_pool2d(i["x"], 2, stride: 2, ceil_mode: true)]),
            new("avg_pool2d", In(("x", randn(2, 3, 9, 9))), ["x"], i => [F.avg_pool2d(i["x"], 3, stride: 2, padding: 1, count_include_pad: false)]),
            new("adaptive_avg_pool2d", In(("x", randn(2, 3, 7, 5))), ["x"], i => [F.adaptive_avg_pool2d(i["x"], [3, 2])]),
            new("linear", In(("x", randn(4, 6)), ("w", randn(3, 6)), ("b", randn(3))), ["x", "w", "b"], i => [F.linear(i["x"], i["w"], i["b"])]),
            new("dropout", In(("x", randn(8, 16))), ["x"], i => [F.dropout(i["x"], 0.3, training: true)]),
            new("dropout_eval", In(("x", randn(8, 16))), ["x"], i => [F.dropout(i["x"], 0.3, training: false)]),
            new("interpolate_size", In(("x", randn(2, 3, 4, 3))), ["x"], i => [F.interpolate(i["x"], size: [7, 5], align_corners: false)]),
            new("interpolate_scale_aligned", In(("x", randn(2, 3, 4, 3))), ["x"], i => [F.interpolate(i["x"], scale_factor: [2.0], align_corners: true)]),
            new("interpolate_scale", In(("x", randn(1, 2, 4, 6))), ["x"], i => [F.interpolate(i["x"], scale_factor: [1.5])]),
            new("softmax", In(("x", randn(4, 5, 3))), ["x"], i => [F.softmax(i["x"], 1)]),
            new("log_softmax", In(("x", randn(4, 5))), ["x"], i => [F.log_softmax(i["x"], -1)]),
            new("cross_entropy_indices", In(("x", randn(6, 5)), ("y", tensor(new long[] { 0, 2, 4, 1, 2, 3 }))), ["x"],
                i => [F.cross_entropy(i["x"], i["y"], ignore_index: 2)]),
            new("cross_entropy_smoothing", In(("x", randn(6, 5)), ("y", tensor(new long[] { 0, 2, 4, 1, 2, 3 }))), ["x"],
                i => [F.cross_entropy(i["x"], i["y"], reduction: Reduction.Sum, label_smoothing: 0.1)]),
            new("cross_entropy_soft", In(("x", randn(6, 5)), ("p", probs)), ["x", "p"], i => [F.cross_entropy(i["x"], i["p"])]),
            new("cross_entropy_spatial", In(("x", randn(2, 4, 3, 3)), ("y", randint(4, [2, 3, 3]))), ["x"],
                i => [F.cross_entropy(i["x"], i["y"], reduction: Reduction.None)]),
            new("nll_loss", In(("x", F.log_softmax(randn(6, 5), 1)), ("y", tensor(new long[] { 0, 2, 4, 1, 2, 3 }))), ["x"], i => [F.nll_loss(i["x"], i["y"])]),
            new("nll_loss_weighted", In(("x", F.log_softmax(randn(6, 5), 1)), ("y", tensor(new long[] { 0, 2, 4, 1, 2, 3 })), ("cw", rand(5) + 0.1)), ["x"],
                i => [F.nll_loss(i["x"], i["y"], weight: i["cw"])]),
            new("binary_cross_entropy", In(("x", rand(4, 6) * 0.98 + 0.01), ("t", rand(4, 6))), ["x", "t"], i => [F.binary_cross_entropy(i["x"], i["t"])]),
            new("binary_cross_entropy_with_logits", In(("x", randn(4, 6)), ("t", rand(4, 6)), ("pw", rand(6) + 0.5)), ["x", "t"],
                i => [F.binary_cross_entropy_with_logits(i["x"], i["t"], pos_weights: i["pw"])]),
            new("kl_div_batchmean", In(("x", F.log_softmax(randn(6, 5), 1)), ("t", softmax01(randn(6, 5)))), ["x", "t"],
                i => [F.kl_div(i["x"], i["t"], Reduction.BatchMean)]),
            new("kl_div_log_target", In(("x", F.log_softmax(randn(6, 5), 1)), ("t", F.log_softmax(randn(6, 5), 1))), ["x", "t"],
                i => [F.kl_div(i["x"], i["t"], Reduction.Sum, log_target: true)]),
            new("kl_div_none", In(("x", F.log_softmax(randn(6, 5), 1)), ("t", softmax01(randn(6, 5)))), ["x", "t"],
                i => [F.kl_div(i["x"], i["t"], Reduction.None)]),
            new("matmul", In(("a", randn(2, 3, 4)), ("b", randn(4, 5))), ["a", "b"], i => [matmul(i["a"], i["b"])]),
            new("reductions", In(("x", randn(3, 4, 5))), ["x"],
                i => [i["x"].sum(1), i["x"].mean([0, 2], keepdim: true), i["x"].amax([2]), i["x"].logsumexp(1), i["x"].norm()]),
            new("gather_index_select", In(("x", randn(4, 5)), ("idx", randint(5, [4, 3])), ("rows", tensor(new long[] { 3, 0, 3 }))), ["x"],
                i => [i["x"].gather(1, i["idx"]), i["x"].index_select(0, i["rows"])]),
            new("views", In(("x", randn(3, 4, 2))), ["x"],
                i => [i["x"].permute(2, 0, 1).reshape(4, -1), i["x"].narrow(1, 1, 2) * 2L, cat([i["x"], i["x"] * 3L], 1), stack([i["x"], -i["x"]], 0)]),
        ];
    }

    private static Tensor softmax01(Tensor x) => F.softmax(x, 1);

    private static Tensor WeightFor(Tensor output)
    {
        using var w = arange(0, output.numel(), 1, ScalarType.Float64).sin();
        return w.to(output.dtype).reshape(output.shape);
    }

    /// <summary>Computes our side and the python side once for the whole class.</summary>
    public sealed class Oracle : IDisposable
    {
        public Oracle()
        {
            // One intra-op thread on both sides: test classes run in parallel on two cores.
            set_num_threads(Threads);
            var cases = BuildCases();
            var inputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var c in cases)
            {
                foreach (var (name, value) in c.Inputs)
                {
                    inputs[$"{c.Name}/{name}"] = value;
                }
                metadata[c.Name] = string.Join(',', c.Grad);
            }
            var convnet = ConvNetInputs();
            foreach (var (name, value) in convnet)
            {
                inputs["convnet/" + name] = value;
            }
            Expected = PythonOracle.Run("functional_oracle.py", inputs, metadata, Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var c in cases)
            {
                Actual[c.Name] = RunOurs(c);
            }
            Actual["convnet"] = RunConvNet(convnet);
            Cases = cases.Select(c => c.Name).Append("convnet").ToArray();
        }

        public Dictionary<string, Tensor> Expected { get; }

        public Dictionary<string, Dictionary<string, Tensor>> Actual { get; } = new(StringComparer.Ordinal);

        public string[] Cases { get; }

        private static Dictionary<string, Tensor> RunOurs(Case c)
        {
            foreach (var g in c.Grad)
            {
                c.Inputs[g].requires_grad = true;
            }
            manual_seed(1234);
            var results = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            using (var scope = NewDisposeScope())
            {
                var outputs = c.Run(c.Inputs);
                Tensor? loss = null;
                foreach (var o in outputs)
                {
                    if (o.requires_grad)
                    {
                        var term = (o * WeightFor(o)).sum();
                        loss = loss is null ? term : loss + term;
                    }
                }
                loss?.backward();
                for (var k = 0; k < outputs.Length; k++)
                {
                    results[$"out{k}"] = outputs[k].detach().DetachFromDisposeScope();
                }
            }
            foreach (var g in c.Grad)
            {
                results["grad/" + g] = c.Inputs[g].grad ?? throw new InvalidOperationException($"{c.Name}: no gradient for {g}");
                results["grad/" + g].DetachFromDisposeScope();
            }
            return results;
        }

        private static Dictionary<string, Tensor> ConvNetInputs()
        {
            manual_seed(7);
            using var net = ConvNet();
            var inputs = net.state_dict().ToDictionary(kv => "p." + kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
            inputs["x"] = randn(4, 3, 8, 8).DetachFromDisposeScope();
            inputs["y"] = tensor(new long[] { 0, 4, 2, 1 }).DetachFromDisposeScope();
            return inputs;
        }

        internal static nn.Module<Tensor, Tensor> ConvNet() => nn.Sequential(
            nn.Conv2d(3, 8, 3, stride: 1, padding: 1, bias: false),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace: true),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding: 1, groups: 2),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(16, 5));

        private static Dictionary<string, Tensor> RunConvNet(Dictionary<string, Tensor> inputs)
        {
            using var net = ConvNet();
            net.load_state_dict(inputs.Where(kv => kv.Key.StartsWith("p.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[2..], kv => kv.Value));
            using var scope = NewDisposeScope();
            var logits = net.forward(inputs["x"]);
            var loss = F.cross_entropy(logits, inputs["y"]);
            loss.backward();
            var outputs = new List<Tensor> { logits.detach(), loss.detach() };
            outputs.AddRange(net.named_parameters().Select(p => p.parameter.grad!));
            var state = net.state_dict();
            outputs.Add(state["1.running_mean"].clone());
            outputs.Add(state["1.running_var"].clone());
            return outputs.Select((o, k) => ($"out{k}", o.DetachFromDisposeScope())).ToDictionary(p => p.Item1, p => p.Item2);
        }

        public void Dispose()
        {
            foreach (var t in Expected.Values.Concat(Actual.Values.SelectMany(a => a.Values)))
            {
                t.Dispose();
            }
        }
    }

    private static readonly string[] s_caseNames =
    [
        "conv2d_groups", "conv2d_dilated", "conv2d_depthwise", "batch_norm_train", "batch_norm_eval", "relu", "sigmoid", "max_pool2d",
        "max_pool2d_ceil", "avg_pool2d", "adaptive_avg_pool2d", "linear", "dropout", "dropout_eval", "interpolate_size",
        "interpolate_scale_aligned", "interpolate_scale", "softmax", "log_softmax", "cross_entropy_indices", "cross_entropy_smoothing",
        "cross_entropy_soft", "cross_entropy_spatial", "nll_loss", "nll_loss_weighted", "binary_cross_entropy",
        "binary_cross_entropy_with_logits", "kl_div_batchmean", "kl_div_log_target", "kl_div_none", "matmul", "reductions",
        "gather_index_select", "views", "convnet",
    ];

    public static TheoryData<string> CaseNames() => new(s_caseNames);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void FunctionalOp_MatchesPyTorch_ForwardAndGradient(string name)
    {
        Assert.Contains(name, _oracle.Cases);
        var actual = _oracle.Actual[name];
        var expectedKeys = _oracle.Expected.Keys.Where(k => k.StartsWith(name + "/", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(expectedKeys);
        Assert.Equal(expectedKeys.Select(k => k[(name.Length + 1)..]).Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var key in expectedKeys)
        {
            Close.Assert(_oracle.Expected[key], actual[key[(name.Length + 1)..]], key);
        }
    }

    [Fact]
    public void CaseList_CoversEveryOracleCase()
    {
        Assert.Equal(_oracle.Cases.Order(StringComparer.Ordinal), s_caseNames.Order(StringComparer.Ordinal));
    }
}
