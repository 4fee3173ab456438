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

public sealed class TensorSurfaceTests
{
    [Fact]
    public void DisposeScope_DisposesTemporariesButKeepsMovedOnes()
    {
        Tensor kept;
        Tensor temp;
        using (var outer = NewDisposeScope())
        {
            using (var inner = NewDisposeScope())
            {
                temp = ones(2) + 1.0;
                kept = (temp * 2.0).MoveToOuterDisposeScope();
                Assert.Equal(2, inner.Count);
            }
            Assert.True(temp.IsInvalid);
            Assert.False(kept.IsInvalid);
            Assert.Equal(new float[] { 4, 4 }, kept.ToArray<float>());
        }
        Assert.True(kept.IsInvalid);
    }

    [Fact]
    public void DetachFromDisposeScope_SurvivesScope()
    {
        Tensor t;
        using (NewDisposeScope())
        {
            t = ones(2).DetachFromDisposeScope();
        }
        Assert.False(t.IsInvalid);
        t.Dispose();
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    public void To_EachSupportedDtype_ConvertsValues(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var src = tensor(new float[] { 0, 1, 2, 3 });
        var converted = src.to(dtype);
        Assert.Equal(dtype, converted.dtype);
        var expected = dtype == ScalarType.Bool ? new double[] { 0, 1, 1, 1 } : [0, 1, 2, 3];
        Assert.Equal(expected, converted.ToArray<double>());
    }

    [Fact]
    public void DataSpan_Half_BFloat16_Bool_AccessInPlace()
    {
        using var scope = NewDisposeScope();
        var h = zeros([2], ScalarType.Float16);
        h.data<Half>()[1] = (Half)1.5;
        Assert.Equal(1.5f, h.ToArray<float>()[1]);
        var b = zeros([2], ScalarType.BFloat16);
        b.data<BFloat16>()[0] = (BFloat16)2.5f;
        Assert.Equal(2.5f, b.ToArray<float>()[0]);
        var m = zeros([3], ScalarType.Bool);
        m.data<bool>()[2] = true;
        Assert.Equal(1L, m.sum().item<long>());
    }

    [Fact]
    public void FromArray_MultiDimensional_UsesArrayShapeWithoutCopy()
    {
        var data = new float[2, 3] { { 1, 2, 3 }, { 4, 5, 6 } };
        using var t = from_array(data);
        Assert.Equal([2L, 3L], t.shape);
        using (var row = t[1])
        {
            row.fill_(0.0);
        }
        Assert.Equal(0f, data[1, 2]);
        Assert.Equal(3f, data[0, 2]);
    }

    [Fact]
    public void Data_NonContiguous_ThrowsAndContiguousWorks()
    {
        using var scope = NewDisposeScope();
        var t = arange(0, 6, 1, ScalarType.Float32).reshape(2, 3).t();
        Assert.False(t.is_contiguous());
        Assert.Throws<TorchArgumentException>(() => t.data<float>());
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, t.contiguous().data<float>().ToArray());
        Assert.Equal([1L, 3L], t.stride());
    }

    [Fact]
    public void IntegerScalars_KeepIntegerDtype()
    {
        using var scope = NewDisposeScope();
        var t = arange(5);
        Assert.Equal(ScalarType.Int64, t.dtype);
        Assert.Equal(ScalarType.Int64, (t + 1L).dtype);
        Assert.Equal(ScalarType.Int64, (t * 2L).dtype);
        Assert.Equal(ScalarType.Float32, (t * 0.5).dtype);
        Assert.Equal(new long[] { 1, 3, 5, 7, 9 }, (t * 2L + 1L).data<long>().ToArray());
    }

    [Fact]
    public void Views_ArgmaxTopkSplit_BehaveAsPyTorch()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 3, 1, 4, 1, 5, 9, 2, 6 }, [2, 4]);
        Assert.Equal(new long[] { 2, 1 }, x.argmax(1).data<long>().ToArray());
        Assert.Equal(5L, x.argmax().item<long>());
        var (values, indexes) = x.topk(2, 1);
        Assert.Equal(new float[] { 4, 3, 9, 6 }, values.ToArray<float>());
        Assert.Equal(new long[] { 2, 0, 1, 3 }, indexes.ToArray<long>());
        var parts = x.split(3, 1);
        Assert.Equal(2, parts.Length);
        Assert.Equal([2L, 1L], parts[1].shape);
        Assert.Equal([4L, 2L], x.view(4, 2).shape);
        Assert.Equal([1L, 2L, 4L], x.unsqueeze(0).shape);
        Assert.Equal(new float[] { 3, 4, 5, 2 }, x.slice(1, 0, 4, 2).ToArray<float>());
        Assert.Equal(9f, x[1, 1].item<float>());
        var mask = x.gt(4.0);
        Assert.Equal(new float[] { 5, 9, 6 }, x[mask].ToArray<float>());
    }

    [Fact]
    public void Item_ConvertsToRequestedType()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(2.5, tensor(2.5).item<double>());
        Assert.Equal(7, tensor(7L).item<int>());
        Assert.True(tensor(true).item<bool>());
        Assert.Equal((Half)0.5, tensor(0.5f).item<Half>());
    }

    [Fact]
    public void ManualSeed_SameSeed_SameSamples()
    {
        using var scope = NewDisposeScope();
        manual_seed(99);
        var a = randn(5);
        manual_seed(99);
        var b = randn(5);
        Assert.True(a.equal(b));
    }
}
