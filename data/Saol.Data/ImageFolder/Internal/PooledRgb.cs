using System.Buffers;

namespace Saol.Data.ImageFolder.Internal;

/// <summary>
/// A decoded RGB image in a buffer rented from <see cref="ArrayPool{T}.Shared"/>. Full-size ImageNet
/// images are 0.5 MB each — large-object-heap allocations that, a thousand times a second across
/// loader threads, would keep the collector stopping every thread; renting reuses them.
/// </summary>
internal sealed class PooledRgb : IDisposable
{
    private byte[]? _buffer;

    internal PooledRgb(int width, int height)
    {
        Width = width;
        Height = height;
        _buffer = ArrayPool<byte>.Shared.Rent(width * height * 3);
    }

    internal int Width { get; }

    internal int Height { get; }

    /// <summary>Rows of Width × (R, G, B).</summary>
    internal Span<byte> Pixels => (_buffer ?? throw new ObjectDisposedException(nameof(PooledRgb))).AsSpan(0, Width * Height * 3);

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
