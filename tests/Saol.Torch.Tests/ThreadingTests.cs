using Saol.Torch;
using Xunit;

namespace Saol.Torch.Tests;

public sealed class ThreadingTests
{
    [Fact]
    public void SetNumThreads_Two_IsReadBack()
    {
        var before = torch.get_num_threads();
        try
        {
            torch.set_num_threads(2);
            Assert.Equal(2, torch.get_num_threads());
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [Fact]
    public void SetNumThreads_Zero_ThrowsArgumentErrorAndLibraryKeepsWorking()
    {
        var ex = Assert.Throws<TorchArgumentException>(() => torch.set_num_threads(0));
        Assert.Contains("at least 1", ex.Message, StringComparison.Ordinal);
        Assert.True(torch.get_num_threads() >= 1);
    }

    [Fact]
    public void CudaDeviceCount_CpuOnlyLibtorch_IsZero()
    {
        Assert.Equal(0, torch.cuda.device_count());
        Assert.False(torch.cuda.is_available());
    }
}
