using System.Runtime.InteropServices;
using Saol.Rpc.Internal;

namespace Saol.Rpc.Tests;

public sealed class LargeBlockMemoryPoolTests
{
    [Fact]
    public void Rent_AnySizeUpToTheBlock_Gives64KiBBlock()
    {
        using var pool = new LargeBlockMemoryPool();

        using var small = pool.Rent(1);
        using var whole = pool.Rent(LargeBlockMemoryPool.BlockSize);

        Assert.Equal(64 * 1024, small.Memory.Length);
        Assert.Equal(64 * 1024, whole.Memory.Length);
    }

    [Fact]
    public void Rent_MoreThanTheBlock_Throws()
    {
        using var pool = new LargeBlockMemoryPool();

        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void Dispose_Lease_BlockIsReusedAndTheOldLeaseIsDead()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent();
        Assert.True(MemoryMarshal.TryGetArray<byte>(first.Memory, out var firstBlock));

        first.Dispose();
        first.Dispose();
        using var second = pool.Rent();

        Assert.True(MemoryMarshal.TryGetArray<byte>(second.Memory, out var secondBlock));
        Assert.Same(firstBlock.Array, secondBlock.Array);
        Assert.Throws<ObjectDisposedException>(() => first.Memory);
    }
}
