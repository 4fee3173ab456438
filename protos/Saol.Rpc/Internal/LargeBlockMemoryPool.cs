using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Saol.Rpc.Internal;

/// <summary>
/// Memory pools for our Kestrel with 64 KiB blocks instead of Kestrel's 4 KiB ones.
/// </summary>
/// <remarks>
/// Kestrel's socket transport receives into whatever is left of the current pipe block, so with
/// 4 KiB blocks a 1 MiB message costs some 256 receive system calls, and every later stage
/// (HTTP/2 framing, the request body pipe, our frame reader) walks 256 segments. gRPC streams of
/// large messages are our main load; 64 KiB blocks cut all of that sixteen-fold. Blocks are
/// allocated pinned (Kestrel and the socket layer pin them for I/O anyway) and kept up to a cap.
/// </remarks>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}

/// <summary>A pool of fixed 64 KiB blocks (see <see cref="LargeBlockMemoryPoolFactory"/>).</summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    // 32 MiB kept at most per pool: a connection's full HTTP/2 window of buffered request bytes.
    private const int MaxPooledBlocks = 512;

    private readonly ConcurrentQueue<byte[]> _free = new();
    private int _freeCount;
    private bool _disposed;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
        }
        else
        {
            block = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        }
        return new Lease(this, block);
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }

    private void Return(byte[] block)
    {
        if (!Volatile.Read(ref _disposed) && Interlocked.Increment(ref _freeCount) <= MaxPooledBlocks)
        {
            _free.Enqueue(block);
        }
        else
        {
            Interlocked.Decrement(ref _freeCount);
        }
    }

    private sealed class Lease(LargeBlockMemoryPool pool, byte[] block) : IMemoryOwner<byte>
    {
        private byte[]? _block = block;

        public Memory<byte> Memory => _block ?? throw new ObjectDisposedException(nameof(LargeBlockMemoryPool));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _block, null) is { } returned)
            {
                pool.Return(returned);
            }
        }
    }
}
