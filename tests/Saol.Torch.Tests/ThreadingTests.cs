using Saol.TestKit;
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
    public async Task SetNumThreads_AppliesToOtherThreads()
    {
        // OpenMP keeps the count per thread; .NET continuations run on pool threads.
        var before = torch.get_num_threads();
        try
        {
            torch.set_num_threads(2);
            var seen = 0;
            var thread = new Thread(() => seen = torch.get_num_threads());
            thread.Start();
            thread.Join();
            Assert.Equal(2, seen);
            Assert.Equal(2, await Task.Run(torch.get_num_threads).DefaultTimeout());
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
