using System.Buffers.Binary;
using Saol.Rpc.Http2.Hpack;

namespace Saol.Rpc.Http2;

/// <summary>Reading and writing the frame kinds both ends of a connection share.</summary>
internal static class Http2Frames
{
    /// <summary>The largest header block (all HEADERS and CONTINUATION fragments) accepted.</summary>
    public const int MaxHeaderBlockSize = 256 * 1024;

    /// <summary>The most CONTINUATION frames one header block may have (a legitimate block needs a handful).</summary>
    public const int MaxContinuationFrames = 256;

    public static void WriteSettings(Http2Socket socket, ReadOnlySpan<(SettingId Id, uint Value)> settings)
    {
        Span<byte> payload = stackalloc byte[6 * settings.Length];
        for (var i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload[(6 * i)..], (ushort)settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload[(6 * i + 2)..], settings[i].Value);
        }
        socket.WriteFrame(new FrameHeader(payload.Length, FrameType.Settings, FrameFlags.None, 0), payload);
    }

    public static void WriteSettingsAck(Http2Socket socket) =>
        socket.WriteFrame(new FrameHeader(0, FrameType.Settings, FrameFlags.Ack, 0), default);

    public static void WriteWindowUpdate(Http2Socket socket, int streamId, int increment)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
        socket.WriteFrame(new FrameHeader(4, FrameType.WindowUpdate, FrameFlags.None, streamId), payload);
    }

    public static void WriteRstStream(Http2Socket socket, int streamId, Http2ErrorCode code)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)code);
        socket.WriteFrame(new FrameHeader(4, FrameType.RstStream, FrameFlags.None, streamId), payload);
    }

    /// <summary>
    /// Best effort: the connection may already be gone. With <paramref name="unlessBusy"/> nothing is
    /// written while another thread is writing (it may be stuck on a peer that does not read).
    /// </summary>
    public static void TryWriteGoAway(Http2Socket socket, int lastStreamId, Http2ErrorCode code, string debug, bool unlessBusy = false)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(debug.Length > 200 ? debug[..200] : debug);
        var payload = new byte[8 + text.Length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(4), (uint)code);
        text.CopyTo(payload, 8);
        try
        {
            var header = new FrameHeader(payload.Length, FrameType.GoAway, FrameFlags.None, 0);
            if (unlessBusy)
            {
                socket.TryWriteFrame(header, payload);
            }
            else
            {
                socket.WriteFrame(header, payload);
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Writes a header block as one HEADERS frame and as many CONTINUATION frames as the peer's frame size needs, back to back.</summary>
    public static void WriteHeaderBlock(Http2Socket socket, int streamId, bool endStream, List<byte> block, int peerMaxFrameSize)
    {
        var bytes = block.ToArray();
        var endStreamFlag = endStream ? FrameFlags.EndStream : FrameFlags.None;
        socket.WriteFrames(s =>
        {
            var first = true;
            var offset = 0;
            do
            {
                var n = Math.Min(bytes.Length - offset, peerMaxFrameSize);
                var last = offset + n == bytes.Length;
                var flags = (first ? endStreamFlag : FrameFlags.None) | (last ? FrameFlags.EndHeaders : FrameFlags.None);
                s.WriteFrame(new FrameHeader(n, first ? FrameType.Headers : FrameType.Continuation, flags, streamId), bytes.AsSpan(offset, n));
                offset += n;
                first = false;
            }
            while (offset < bytes.Length);
        });
    }

    /// <summary>
    /// Reads the rest of a HEADERS frame (padding and priority removed) and its CONTINUATION frames,
    /// and decodes the block.
    /// </summary>
    public static List<KeyValuePair<string, string>> ReadHeaderBlock(Http2Socket socket, FrameHeader headers, HpackDecoder decoder, int maxFrameSize)
    {
        var block = new List<byte>();
        ReadFragment(socket, headers, block, priority: headers.Has(FrameFlags.Priority));
        var last = headers;
        var continuations = 0;
        while (!last.Has(FrameFlags.EndHeaders))
        {
            last = socket.ReadFrameHeader();
            if (++continuations > MaxContinuationFrames)
            {
                // A flood of (possibly empty) CONTINUATION frames costs CPU without growing the block.
                throw new Http2Exception(Http2ErrorCode.EnhanceYourCalm, $"more than {MaxContinuationFrames} CONTINUATION frames in one header block on stream {headers.StreamId}");
            }
            if (last.Type != FrameType.Continuation || last.StreamId != headers.StreamId)
            {
                throw new Http2Exception(Http2ErrorCode.ProtocolError, $"expected a CONTINUATION frame on stream {headers.StreamId}, got {last}");
            }
            CheckLength(last, maxFrameSize);
            ReadFragment(socket, last, block, priority: false);
        }
        var fields = new List<KeyValuePair<string, string>>();
        try
        {
            decoder.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(block), fields);
        }
        catch (HpackException ex)
        {
            throw new Http2Exception(Http2ErrorCode.CompressionError, $"undecodable header block on stream {headers.StreamId}: {ex.Message}");
        }
        return fields;
    }

    /// <summary>A frame larger than this end's SETTINGS_MAX_FRAME_SIZE is a connection error.</summary>
    public static void CheckLength(FrameHeader header, int maxFrameSize)
    {
        if (header.Length > maxFrameSize)
        {
            throw new Http2Exception(Http2ErrorCode.FrameSizeError, $"{header} exceeds the maximum frame size {maxFrameSize}");
        }
    }

    /// <summary>Reads a SETTINGS payload (not an ACK) into (id, value) pairs, validating each value.</summary>
    public static List<(SettingId Id, uint Value)> ReadSettings(Http2Socket socket, FrameHeader header)
    {
        if (header.StreamId != 0)
        {
            throw new Http2Exception(Http2ErrorCode.ProtocolError, $"SETTINGS frame on stream {header.StreamId}");
        }
        if (header.Has(FrameFlags.Ack))
        {
            if (header.Length != 0)
            {
                throw new Http2Exception(Http2ErrorCode.FrameSizeError, "SETTINGS ACK with a payload");
            }
            return [];
        }
        if (header.Length % 6 != 0)
        {
            throw new Http2Exception(Http2ErrorCode.FrameSizeError, $"SETTINGS payload of {header.Length} bytes is not a multiple of 6");
        }
        var payload = new byte[header.Length];
        socket.ReadExactly(payload);
        var settings = new List<(SettingId, uint)>();
        for (var i = 0; i < payload.Length; i += 6)
        {
            var id = (SettingId)BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i));
            var value = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
            switch (id)
            {
                case SettingId.EnablePush when value > 1:
                    throw new Http2Exception(Http2ErrorCode.ProtocolError, $"SETTINGS_ENABLE_PUSH of {value}");
                case SettingId.InitialWindowSize when value > Http2Protocol.MaxWindowSize:
                    throw new Http2Exception(Http2ErrorCode.FlowControlError, $"SETTINGS_INITIAL_WINDOW_SIZE of {value}");
                case SettingId.MaxFrameSize when value is < Http2Protocol.DefaultMaxFrameSize or > Http2Protocol.MaxAllowedFrameSize:
                    throw new Http2Exception(Http2ErrorCode.ProtocolError, $"SETTINGS_MAX_FRAME_SIZE of {value}");
            }
            settings.Add((id, value));
        }
        return settings;
    }

    /// <summary>Writes a PING (its payload is zeros: this end never measures the round trip).</summary>
    public static void WritePing(Http2Socket socket)
    {
        Span<byte> payload = stackalloc byte[8];
        payload.Clear();
        socket.WriteFrame(new FrameHeader(8, FrameType.Ping, FrameFlags.None, 0), payload);
    }

    /// <summary>
    /// Reads a SETTINGS frame of the peer and applies what governs this end's sending: a tighter
    /// limit at once, a looser one (larger frames, a larger initial window) only once the ACK is
    /// on the wire — the peer enforces its old limits until it has that ACK, and a frame written
    /// in between by another thread must still fit them.
    /// </summary>
    public static void ApplySettings(Http2Socket socket, FrameHeader header, PeerSettings peer, SendWindow window, int streamId)
    {
        int? looserFrameSize = null;
        long? looserWindow = null;
        foreach (var (id, value) in ReadSettings(socket, header))
        {
            if (id == SettingId.MaxFrameSize)
            {
                looserFrameSize = value > (uint)peer.MaxFrameSize ? (int)value : null;
                if (looserFrameSize is null)
                {
                    peer.MaxFrameSize = (int)value;
                }
            }
            else if (id == SettingId.InitialWindowSize)
            {
                looserWindow = value > peer.InitialWindowSize ? value : null;
                if (looserWindow is null)
                {
                    window.ShiftStream(value - peer.InitialWindowSize, streamId);
                    peer.InitialWindowSize = value;
                }
            }
        }
        if (header.Has(FrameFlags.Ack))
        {
            return;
        }
        WriteSettingsAck(socket);
        if (looserFrameSize is { } frameSize)
        {
            peer.MaxFrameSize = frameSize;
        }
        if (looserWindow is { } initial)
        {
            window.ShiftStream(initial - peer.InitialWindowSize, streamId);
            peer.InitialWindowSize = initial;
        }
    }

    /// <summary>Reads a PING payload and answers it (unless it is itself an answer).</summary>
    public static void HandlePing(Http2Socket socket, FrameHeader header)
    {
        if (header.StreamId != 0 || header.Length != 8)
        {
            throw new Http2Exception(header.StreamId != 0 ? Http2ErrorCode.ProtocolError : Http2ErrorCode.FrameSizeError, $"malformed PING: {header}");
        }
        Span<byte> payload = stackalloc byte[8];
        socket.ReadExactly(payload);
        if (!header.Has(FrameFlags.Ack))
        {
            socket.WriteFrame(new FrameHeader(8, FrameType.Ping, FrameFlags.Ack, 0), payload);
        }
    }

    /// <summary>Reads a WINDOW_UPDATE payload: the increment (0 is reported by the caller's window).</summary>
    public static int ReadWindowUpdate(Http2Socket socket, FrameHeader header)
    {
        if (header.Length != 4)
        {
            throw new Http2Exception(Http2ErrorCode.FrameSizeError, $"malformed WINDOW_UPDATE: {header}");
        }
        Span<byte> payload = stackalloc byte[4];
        socket.ReadExactly(payload);
        return (int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF);
    }

    /// <summary>Reads an RST_STREAM payload: the error code.</summary>
    public static Http2ErrorCode ReadRstStream(Http2Socket socket, FrameHeader header)
    {
        if (header.StreamId == 0 || header.Length != 4)
        {
            throw new Http2Exception(header.StreamId == 0 ? Http2ErrorCode.ProtocolError : Http2ErrorCode.FrameSizeError, $"malformed RST_STREAM: {header}");
        }
        Span<byte> payload = stackalloc byte[4];
        socket.ReadExactly(payload);
        return (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload);
    }

    /// <summary>Reads a GOAWAY payload: the last stream the peer processed, its error code and debug text.</summary>
    public static (int LastStreamId, Http2ErrorCode Code, string Debug) ReadGoAway(Http2Socket socket, FrameHeader header)
    {
        if (header.StreamId != 0 || header.Length < 8)
        {
            throw new Http2Exception(header.StreamId != 0 ? Http2ErrorCode.ProtocolError : Http2ErrorCode.FrameSizeError, $"malformed GOAWAY: {header}");
        }
        var payload = new byte[header.Length];
        socket.ReadExactly(payload);
        var debug = System.Text.Encoding.UTF8.GetString(payload, 8, Math.Min(payload.Length - 8, 1024));
        return ((int)(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF), (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4)), debug);
    }

    /// <summary>Skips the payload of a frame this end ignores (PRIORITY, unknown types).</summary>
    public static void Ignore(Http2Socket socket, FrameHeader header) => socket.Skip(header.Length);

    private static void ReadFragment(Http2Socket socket, FrameHeader header, List<byte> block, bool priority)
    {
        var length = header.Length;
        var padding = 0;
        if (header.Type == FrameType.Headers && header.Has(FrameFlags.Padded))
        {
            Span<byte> pad = stackalloc byte[1];
            socket.ReadExactly(pad);
            padding = pad[0];
            length--;
        }
        if (priority)
        {
            socket.Skip(5);
            length -= 5;
        }
        length -= padding;
        if (length < 0)
        {
            throw new Http2Exception(Http2ErrorCode.ProtocolError, $"{header}: padding and priority exceed the frame");
        }
        if (block.Count + length > MaxHeaderBlockSize)
        {
            throw new Http2Exception(Http2ErrorCode.EnhanceYourCalm, $"header block on stream {header.StreamId} exceeds {MaxHeaderBlockSize} bytes");
        }
        var fragment = new byte[length];
        socket.ReadExactly(fragment);
        block.AddRange(fragment);
        socket.Skip(padding);
    }
}

/// <summary>The peer's SETTINGS that govern what this end sends, as <see cref="Http2Frames.ApplySettings"/> keeps them.</summary>
internal sealed class PeerSettings
{
    private volatile int _maxFrameSize = Http2Protocol.DefaultMaxFrameSize;

    /// <summary>SETTINGS_MAX_FRAME_SIZE in effect (read by writing threads).</summary>
    public int MaxFrameSize
    {
        get => _maxFrameSize;
        set => _maxFrameSize = value;
    }

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE in effect (the reading thread's only).</summary>
    public long InitialWindowSize { get; set; } = Http2Protocol.DefaultWindowSize;
}
