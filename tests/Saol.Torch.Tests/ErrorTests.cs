using Xunit;
using static Saol.Torch.torch;

namespace Saol.Torch.Tests;

/// <summary>Every bad input is a typed exception carrying libtorch's message, and the library keeps working.</summary>
public sealed class ErrorTests
{
    private static void StillWorks()
    {
        using var a = ones(2, 2);
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 2, 2, 2, 2 }, b.ToArray<float>());
    }

    [Fact]
    public void Matmul_ShapeMismatch_ThrowsTorchExceptionThenWorks()
    {
        using var a = randn(2, 3);
        using var b = randn(4, 5);
        var ex = Assert.Throws<TorchException>(() => a.matmul(b));
        Assert.Contains("cannot be multiplied", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2x3", ex.Message, StringComparison.Ordinal);
        StillWorks();
    }

    [Fact]
    public void Add_BroadcastMismatch_ThrowsTorchExceptionThenWorks()
    {
        using var a = randn(2, 3);
        using var b = randn(4);
        var ex = Assert.Throws<TorchException>(() => a + b);
        Assert.Contains("must match the size", ex.Message, StringComparison.Ordinal);
        StillWorks();
    }

    [Fact]
    public void IndexSelect_FloatIndex_ThrowsWrongDtypeThenWorks()
    {
        using var a = randn(3, 4);
        using var idx = tensor(new float[] { 0, 1 });
        var ex = Assert.Throws<TorchException>(() => a.index_select(0, idx));
        Assert.Contains("int", ex.Message, StringComparison.OrdinalIgnoreCase);
        StillWorks();
    }

    [Fact]
    public void InPlaceAdd_FloatIntoLong_ThrowsWrongDtypeThenWorks()
    {
        using var a = zeros([3], ScalarType.Int64);
        var ex = Assert.Throws<TorchException>(() => a.add_(0.5));
        Assert.Contains("Long", ex.Message, StringComparison.Ordinal);
        StillWorks();
    }

    [Fact]
    public void Data_WrongElementType_ThrowsArgumentException()
    {
        using var a = zeros(3);
        var ex = Assert.Throws<TorchArgumentException>(() => a.data<long>());
        Assert.Contains("Float32", ex.Message, StringComparison.Ordinal);
        StillWorks();
    }

    [Fact]
    public void IndexSelect_OutOfRange_ThrowsThenWorks()
    {
        using var a = randn(3, 4);
        using var idx = tensor(new long[] { 5 });
        var ex = Assert.Throws<TorchException>(() => a.index_select(0, idx));
        Assert.Contains("out of range", ex.Message, StringComparison.OrdinalIgnoreCase);
        StillWorks();
    }

    [Fact]
    public void Select_OutOfRange_ThrowsThenWorks()
    {
        using var a = randn(3, 4);
        var ex = Assert.Throws<TorchException>(() => a[10]);
        Assert.Contains("out of range", ex.Message, StringComparison.OrdinalIgnoreCase);
        StillWorks();
    }

    [Fact]
    public void Gather_IndexOutOfRange_ThrowsThenWorks()
    {
        using var a = randn(2, 3);
        using var idx = tensor(new long[] { 0, 7 }, [2, 1]);
        var ex = Assert.Throws<TorchException>(() => a.gather(1, idx));
        Assert.Contains("out of bounds", ex.Message, StringComparison.OrdinalIgnoreCase);
        StillWorks();
    }

    [Fact]
    public void CrossEntropy_TargetClassOutOfRange_ThrowsThenWorks()
    {
        using var logits = randn(2, 3);
        using var target = tensor(new long[] { 0, 9 });
        var ex = Assert.Throws<TorchException>(() => nn.functional.cross_entropy(logits, target));
        Assert.Contains("out of bounds", ex.Message, StringComparison.OrdinalIgnoreCase);
        StillWorks();
    }

    [Fact]
    public void DisposedTensor_Use_ThrowsObjectDisposedThenWorks()
    {
        var a = ones(3);
        a.Dispose();
        Assert.True(a.IsInvalid);
        Assert.Throws<ObjectDisposedException>(() => a.add(1.0));
        Assert.Throws<ObjectDisposedException>(() => a.shape);
        using var b = ones(3);
        Assert.Throws<ObjectDisposedException>(() => b.add(a));
        Assert.Throws<ObjectDisposedException>(() => cat([b, a]));
        a.Dispose();
        StillWorks();
    }

    [Fact]
    public void CudaDevice_OnCpuOnlyLibtorch_ThrowsDeviceExceptionThenWorks()
    {
        var cuda = new Device("cuda:0");
        Assert.Equal("cuda:0", cuda.ToString());
        using var a = ones(3);
        var ex = Assert.Throws<TorchDeviceException>(() => a.to(cuda));
        Assert.Contains("cuda:0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not available", ex.Message, StringComparison.Ordinal);
        Assert.Throws<TorchDeviceException>(() => zeros([2, 2], device: cuda));
        Assert.Throws<TorchDeviceException>(() => a.cuda(1));
        Assert.Throws<TorchDeviceException>(() => nn.Linear(2, 2, device: cuda));
        StillWorks();
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    [InlineData("cpu:3")]
    public void Device_MalformedName_ThrowsArgumentException(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => new Device(name));
    }

    [Fact]
    public void Creation_ShapeDoesNotMatchData_Throws()
    {
        Assert.Throws<ArgumentException>(() => tensor(new float[] { 1, 2, 3 }, [2, 2]));
        Assert.Throws<ArgumentException>(() => from_array(new float[] { 1, 2, 3 }, [2, 2]));
        Assert.Throws<TorchException>(() => zeros(-1, 2));
        StillWorks();
    }

    [Fact]
    public void Backward_OnTensorWithoutGrad_ThrowsThenWorks()
    {
        using var a = ones(3);
        using var s = a.sum();
        var ex = Assert.Throws<TorchException>(() => s.backward());
        Assert.Contains("does not require grad", ex.Message, StringComparison.Ordinal);
        StillWorks();
    }

    [Fact]
    public void LoadStateDict_Mismatch_ThrowsWithKeyNames()
    {
        using var m = nn.Linear(3, 2);
        using var w = zeros(2, 4);
        using var b = zeros(2);
        var ex = Assert.Throws<ArgumentException>(() => m.load_state_dict(new Dictionary<string, Tensor> { ["weight"] = w, ["bias"] = b }));
        Assert.Contains("size mismatch for weight", ex.Message, StringComparison.Ordinal);
        var ex2 = Assert.Throws<ArgumentException>(() => m.load_state_dict(new Dictionary<string, Tensor> { ["bias"] = b, ["extra"] = b }));
        Assert.Contains("missing [weight]", ex2.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected [extra]", ex2.Message, StringComparison.Ordinal);
        var (missing, unexpected) = m.load_state_dict(new Dictionary<string, Tensor> { ["bias"] = b }, strict: false);
        Assert.Equal(["weight"], missing);
        Assert.Empty(unexpected);
        Assert.Equal(new float[] { 0, 0 }, m.bias!.ToArray<float>());
    }

    [Fact]
    public void SetNumThreads_Invalid_ThrowsArgumentException()
    {
        Assert.Throws<TorchArgumentException>(() => set_num_threads(-3));
        StillWorks();
    }
}
