namespace Saol.Rpc.Http2;

/// <summary>
/// The peer's flow-control windows for what this end sends on one stream: the connection window
/// and the stream window (RFC 9113 §6.9). A writer takes credit, waiting while either is spent;
/// the reader thread adds credit from WINDOW_UPDATE and SETTINGS frames.
/// </summary>
internal sealed class SendWindow
{
    private readonly object _lock = new();
    private long _connection = Http2Protocol.DefaultWindowSize;
    private long _stream = Http2Protocol.DefaultWindowSize;
    private Exception? _failure;

    /// <summary>Takes up to <paramref name="wanted"/> bytes of credit (at least one), waiting while there is none.</summary>
    /// <exception cref="Exception">The failure given to <see cref="Fail"/>.</exception>
    public int Take(int wanted)
    {
        lock (_lock)
        {
            while (true)
            {
                if (_failure is not null)
                {
                    throw _failure;
                }
                var available = Math.Min(_connection, _stream);
                if (available > 0)
                {
                    var n = (int)Math.Min(available, wanted);
                    _connection -= n;
                    _stream -= n;
                    return n;
                }
                Monitor.Wait(_lock);
            }
        }
    }

    /// <summary>Takes exactly <paramref name="count"/> bytes if both windows have them, without waiting.</summary>
    public bool TryTake(int count)
    {
        lock (_lock)
        {
            if (_failure is not null || Math.Min(_connection, _stream) < count)
            {
                return false;
            }
            _connection -= count;
            _stream -= count;
            return true;
        }
    }

    /// <summary>A WINDOW_UPDATE on stream 0.</summary>
    public void AddConnection(int increment) => Add(ref _connection, increment, 0);

    /// <summary>A WINDOW_UPDATE on the stream.</summary>
    public void AddStream(int increment, int streamId) => Add(ref _stream, increment, streamId);

    /// <summary>A SETTINGS_INITIAL_WINDOW_SIZE change: shifts the stream window by the difference (it may go negative).</summary>
    public void ShiftStream(long delta, int streamId)
    {
        lock (_lock)
        {
            _stream += delta;
            if (_stream > Http2Protocol.MaxWindowSize)
            {
                throw new Http2Exception(Http2ErrorCode.FlowControlError, $"SETTINGS_INITIAL_WINDOW_SIZE pushed stream {streamId}'s window above 2^31-1");
            }
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>A new stream starts with the peer's SETTINGS_INITIAL_WINDOW_SIZE (one stream per connection at a time).</summary>
    public void ResetStream(long initialWindow)
    {
        lock (_lock)
        {
            _stream = initialWindow;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Wakes and fails every waiting and later writer with <paramref name="failure"/>; the first failure wins.</summary>
    public void Fail(Exception failure)
    {
        lock (_lock)
        {
            _failure ??= failure;
            Monitor.PulseAll(_lock);
        }
    }

    private void Add(ref long window, int increment, int streamId)
    {
        if (increment <= 0)
        {
            throw new Http2Exception(Http2ErrorCode.ProtocolError, "WINDOW_UPDATE with an increment of 0", streamId);
        }
        lock (_lock)
        {
            window += increment;
            if (window > Http2Protocol.MaxWindowSize)
            {
                throw new Http2Exception(Http2ErrorCode.FlowControlError, $"WINDOW_UPDATE pushed the {(streamId == 0 ? "connection" : $"stream {streamId}")} window above 2^31-1", streamId);
            }
            Monitor.PulseAll(_lock);
        }
    }
}
