using System.Net.Sockets;

namespace Saol.Rpc.Http2;

/// <summary>
/// One HTTP/2 connection's socket, used with blocking calls from dedicated threads: a buffered
/// reader (one thread) and a frame writer that any thread may call (a lock keeps each frame whole).
/// </summary>
/// <remarks>
/// Large reads bypass the buffer and land straight in the caller's memory, and large writes go
/// straight from the caller's memory to the kernel: a bulk payload is copied only by the kernel.
/// </remarks>
internal sealed class Http2Socket : IDisposable
{
    // Reads at least this large skip the read buffer once it is empty.
    private const int DirectReadThreshold = 16 * 1024;
    // Frames whose leading part is at most this large go out in one send with their header.
    private const int CoalesceLimit = 4 * 1024;

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly byte[] _writeBuffer = new byte[Http2Protocol.FrameHeaderSize + CoalesceLimit];
    private readonly Lock _writeLock = new();
    private int _start;
    private int _end;
    private int _closed;

    public Http2Socket(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        // Read once: a closed socket throws instead of answering, and the error paths that name
        // the peer run after the close.
        Remote = socket.RemoteEndPoint?.ToString() ?? "unknown";
    }

    /// <summary>The remote end point, for error messages.</summary>
    public string Remote { get; }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes; throws <see cref="IOException"/> when the peer closes first.</summary>
    public void ReadExactly(Span<byte> destination)
    {
        var buffered = Math.Min(_end - _start, destination.Length);
        if (buffered > 0)
        {
            _buffer.AsSpan(_start, buffered).CopyTo(destination);
            _start += buffered;
            destination = destination[buffered..];
        }
        while (destination.Length >= DirectReadThreshold)
        {
            destination = destination[Receive(destination)..];
        }
        if (destination.Length > 0)
        {
            Fill(destination.Length);
            _buffer.AsSpan(_start, destination.Length).CopyTo(destination);
            _start += destination.Length;
        }
    }

    /// <summary>Reads and discards <paramref name="count"/> bytes.</summary>
    public void Skip(long count)
    {
        while (count > 0)
        {
            if (_start == _end)
            {
                Fill(1);
            }
            var n = (int)Math.Min(count, _end - _start);
            _start += n;
            count -= n;
        }
    }

    /// <summary>Reads a frame header.</summary>
    public FrameHeader ReadFrameHeader()
    {
        Fill(Http2Protocol.FrameHeaderSize);
        var header = FrameHeader.Read(_buffer.AsSpan(_start, Http2Protocol.FrameHeaderSize));
        _start += Http2Protocol.FrameHeaderSize;
        return header;
    }

    /// <summary>
    /// Writes one frame whose payload is <paramref name="first"/> followed by <paramref name="second"/>;
    /// frames from several threads never interleave.
    /// </summary>
    public void WriteFrame(FrameHeader header, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default)
    {
        lock (_writeLock)
        {
            WriteFrameLocked(header, first, second);
        }
    }

    /// <summary>
    /// Writes one frame unless another thread is writing: that writer may be blocked for good by a
    /// peer that reads nothing, and a last word (RST_STREAM, GOAWAY) before closing must not wait for it.
    /// </summary>
    /// <returns>False when the frame was not written.</returns>
    public bool TryWriteFrame(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (!_writeLock.TryEnter())
        {
            return false;
        }
        try
        {
            WriteFrameLocked(header, payload, default);
            return true;
        }
        finally
        {
            _writeLock.Exit();
        }
    }

    private void WriteFrameLocked(FrameHeader header, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        header.Write(_writeBuffer);
        if (first.Length <= CoalesceLimit)
        {
            first.CopyTo(_writeBuffer.AsSpan(Http2Protocol.FrameHeaderSize));
            SendAll(_writeBuffer.AsSpan(0, Http2Protocol.FrameHeaderSize + first.Length));
        }
        else
        {
            SendAll(_writeBuffer.AsSpan(0, Http2Protocol.FrameHeaderSize));
            SendAll(first);
        }
        SendAll(second);
    }

    /// <summary>Writes bytes that are not a frame (the client preface).</summary>
    public void WriteRaw(ReadOnlySpan<byte> data)
    {
        lock (_writeLock)
        {
            SendAll(data);
        }
    }

    /// <summary>Runs <paramref name="write"/> with the write lock held, so the frames it writes go out back to back.</summary>
    public void WriteFrames(Action<Http2Socket> write)
    {
        lock (_writeLock)
        {
            write(this);
        }
    }

    /// <summary>Ends the connection: blocked reads and writes on other threads fail at once.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1)
        {
            return;
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _socket.Close();
    }

    public void Dispose() => Close();

    private void SendAll(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[_socket.Send(data)..];
        }
    }

    // Makes at least `count` bytes (≤ the buffer size) available at _start.
    private void Fill(int count)
    {
        if (_end - _start >= count)
        {
            return;
        }
        if (_buffer.Length - _start < count)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        while (_end - _start < count)
        {
            _end += Receive(_buffer.AsSpan(_end));
        }
    }

    private int Receive(Span<byte> destination)
    {
        var n = _socket.Receive(destination);
        if (n == 0)
        {
            throw new IOException($"the peer at {Remote} closed the connection");
        }
        return n;
    }
}
