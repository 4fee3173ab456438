using Saol.Torch.Modules;
using Xunit;
using static Saol.Torch.torch;

namespace Saol.Torch.Tests;

public sealed class ModuleTests
{
    /// <summary>A torchvision-style block registered through fields, to check PyTorch naming.</summary>
    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1 = nn.Conv2d(4, 4, 3, padding: 1, bias: false);
        private readonly BatchNorm2d bn1 = nn.BatchNorm2d(4);
        private readonly Sequential downsample = nn.Sequential(nn.Conv2d(4, 4, 1, bias: false), nn.BatchNorm2d(4));

        public Block()
            : base(nameof(Block)) => RegisterComponents();

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var y = bn1.forward(conv1.forward(input)).relu_();
            return (y + downsample.forward(input)).MoveToOuterDisposeScope();
        }
    }

    private sealed class Net : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential layer1 = nn.Sequential(new Block(), new Block());
        private readonly Linear fc = nn.Linear(4, 3);

        public Net()
            : base(nameof(Net)) => RegisterComponents();

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            return fc.forward(nn.functional.adaptive_avg_pool2d(layer1.forward(input), 1).flatten(1)).MoveToOuterDisposeScope();
        }
    }

    [Fact]
    public void StateDict_NestedModules_UsesPyTorchNames()
    {
        using var net = new Net();
        var keys = net.state_dict().Keys.ToArray();
        Assert.Equal(
        [
            "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var",
            "layer1.0.bn1.num_batches_tracked", "layer1.0.downsample.0.weight", "layer1.0.downsample.1.weight", "layer1.0.downsample.1.bias",
            "layer1.0.downsample.1.running_mean", "layer1.0.downsample.1.running_var", "layer1.0.downsample.1.num_batches_tracked",
        ], keys.Take(12));
        Assert.Equal(["fc.weight", "fc.bias"], keys[^2..]);
        Assert.Equal(2 * 6 + 2, net.parameters().Count());
        Assert.Equal(2 * 6, net.named_buffers().Count());
        Assert.Equal(["layer1", "fc"], net.named_children().Select(c => c.name));
        Assert.Contains(("layer1.1.downsample.0", true), net.named_modules().Select(m => (m.name, m.module is Conv2d)));
    }

    [Fact]
    public void BatchNorm_TrainVersusEval_UpdatesRunningStatsOnlyInTraining()
    {
        using var bn = nn.BatchNorm2d(2);
        using var scope = NewDisposeScope();
        manual_seed(5);
        var x = randn(4, 2, 3, 3) * 3.0 + 1.0;
        bn.forward(x);
        Assert.Equal(1L, bn.num_batches_tracked!.item<long>());
        var mean = bn.running_mean!.clone();
        Assert.False(mean.equal(zeros(2)));
        bn.eval();
        Assert.False(bn.training);
        var y1 = bn.forward(x);
        var y2 = bn.forward(x);
        Assert.True(y1.equal(y2));
        Assert.True(bn.running_mean!.equal(mean));
        Assert.Equal(1L, bn.num_batches_tracked!.item<long>());
        bn.train();
        Assert.True(bn.training);
    }

    [Fact]
    public void Dropout_EvalMode_IsIdentity()
    {
        using var d = nn.Dropout(0.5);
        using var scope = NewDisposeScope();
        var x = ones(100);
        Assert.False(d.forward(x).equal(x));
        d.eval();
        Assert.True(d.forward(x).equal(x));
    }

    [Fact]
    public void Parameter_SharesStorageAndRequiresGrad()
    {
        using var scope = NewDisposeScope();
        var data = zeros(3);
        var p = new nn.Parameter(data);
        Assert.True(p.requires_grad);
        Assert.True(p.is_leaf);
        using (no_grad())
        {
            p.add_(1.0);
        }
        Assert.Equal(new float[] { 1, 1, 1 }, data.ToArray<float>());
        p.Dispose();
    }

    [Fact]
    public void Module_ToDtype_ConvertsFloatsAndKeepsCounters()
    {
        using var bn = nn.BatchNorm2d(3);
        using (var scope = NewDisposeScope())
        {
            bn.forward(randn(2, 3, 4, 4)).sum().backward();
        }
        bn.to(ScalarType.Float64);
        using var grad = bn.weight!.grad;
        Assert.Equal(ScalarType.Float64, grad!.dtype);
        Assert.Equal(ScalarType.Float64, bn.weight!.dtype);
        Assert.Equal(ScalarType.Float64, bn.running_var!.dtype);
        Assert.Equal(ScalarType.Int64, bn.num_batches_tracked!.dtype);
    }

    [Fact]
    public void Net_TrainsAndZeroGradClearsGradients()
    {
        manual_seed(8);
        using var net = new Net();
        using var opt = optim.SGD(net.parameters(), 0.05, momentum: 0.9);
        using var scope = NewDisposeScope();
        var x = randn(4, 4, 6, 6);
        var y = tensor(new long[] { 0, 1, 2, 1 });
        var first = 0.0;
        var last = 0.0;
        for (var i = 0; i < 15; i++)
        {
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(net.forward(x), y);
            loss.backward();
            opt.step();
            last = loss.item<double>();
            if (i == 0)
            {
                first = last;
            }
        }
        Assert.True(last < first * 0.8, $"loss went from {first} to {last}");
        net.zero_grad(set_to_none: true);
        Assert.All(net.parameters(), p => Assert.Null(p.grad));
    }
}
