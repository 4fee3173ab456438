using Saol.Torch;
using Xunit;
using static Saol.Torch.torch;

namespace Saol.Torch.Tests;

public sealed class TensorCoreTests
{
    [Fact]
    public void Tensor_FromArray_RoundTripsValuesAndShape()
    {
        using var t = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        Assert.Equal([2L, 3L], t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray<float>());
        using var sum = t.sum();
        Assert.Equal(21f, sum.item<float>());
    }

    [Fact]
    public void FromArray_SharesManagedMemory()
    {
        var data = new float[] { 1, 2, 3 };
        using (var t = from_array(data))
        {
            t.mul_(2.0);
        }
        Assert.Equal(new float[] { 2, 4, 6 }, data);
    }

    [Fact]
    public void Backward_SimpleGraph_ProducesGradient()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        Assert.Equal(new float[] { 2, 4, 6 }, x.grad!.ToArray<float>());
    }

    [Fact]
    public void ConvNet_TrainStep_Runs()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = nn.Sequential(nn.Conv2d(3, 8, 3, padding: 1), nn.BatchNorm2d(8), nn.ReLU(true), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4));
        var names = model.state_dict().Keys.ToArray();
        Assert.Contains("1.running_mean", names);
        Assert.Contains("1.num_batches_tracked", names);
        Assert.Contains("0.weight", names);
        using var opt = optim.SGD(model.parameters(), 0.1, momentum: 0.9, nesterov: true);
        var x = randn(2, 3, 8, 8);
        var target = tensor(new long[] { 1, 3 });
        var loss = nn.functional.cross_entropy(model.forward(x), target);
        loss.backward();
        opt.step();
        Assert.Single(opt.state_dict().Keys, k => k == "state.0.momentum_buffer");
        var fired = 0;
        var w = model.parameters().First();
        using var hook = w.register_hook(g => { fired++; });
        opt.zero_grad();
        nn.functional.cross_entropy(model.forward(x), target).backward();
        Assert.Equal(1, fired);
    }
}
