using System.Buffers.Binary;

namespace Saol.Rpc.Http2;

/// <summary>The HTTP/2 vocabulary (RFC 9113) this lean implementation speaks.</summary>
internal static class Http2Protocol
{
    /// <summary>The client connection preface (RFC 9113 §3.4).</summary>
    public static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public const int FrameHeaderSize = 9;

    /// <summary>The frame size every endpoint must accept before SETTINGS says otherwise.</summary>
    public const int DefaultMaxFrameSize = 16_384;

    /// <summary>The largest SETTINGS_MAX_FRAME_SIZE allowed.</summary>
    public const int MaxAllowedFrameSize = 16_777_215;

    /// <summary>The flow-control window of a new connection or stream before SETTINGS or WINDOW_UPDATE.</summary>
    public const int DefaultWindowSize = 65_535;

    public const int MaxWindowSize = int.MaxValue;
}

/// <summary>HTTP/2 frame types.</summary>
internal enum FrameType : byte
{
    Data = 0x0,
    Headers = 0x1,
    Priority = 0x2,
    RstStream = 0x3,
    Settings = 0x4,
    PushPromise = 0x5,
    Ping = 0x6,
    GoAway = 0x7,
    WindowUpdate = 0x8,
    Continuation = 0x9,
}

/// <summary>HTTP/2 frame flags (their meaning depends on the frame type).</summary>
[Flags]
internal enum FrameFlags : byte
{
    None = 0,
    EndStream = 0x1,
#pragma warning disable CA1069 // RFC 9113 gives ACK (SETTINGS, PING) and END_STREAM (DATA, HEADERS) the same bit.
    Ack = 0x1,
#pragma warning restore CA1069
    EndHeaders = 0x4,
    Padded = 0x8,
    Priority = 0x20,
}

/// <summary>HTTP/2 error codes (RFC 9113 §7).</summary>
internal enum Http2ErrorCode : uint
{
    NoError = 0x0,
    ProtocolError = 0x1,
    InternalError = 0x2,
    FlowControlError = 0x3,
    SettingsTimeout = 0x4,
    StreamClosed = 0x5,
    FrameSizeError = 0x6,
    RefusedStream = 0x7,
    Cancel = 0x8,
    CompressionError = 0x9,
    ConnectError = 0xa,
    EnhanceYourCalm = 0xb,
    InadequateSecurity = 0xc,
    Http11Required = 0xd,
}

/// <summary>SETTINGS parameters (RFC 9113 §6.5.2).</summary>
internal enum SettingId : ushort
{
    HeaderTableSize = 0x1,
    EnablePush = 0x2,
    MaxConcurrentStreams = 0x3,
    InitialWindowSize = 0x4,
    MaxFrameSize = 0x5,
    MaxHeaderListSize = 0x6,
}

/// <summary>The nine bytes in front of every frame.</summary>
internal readonly record struct FrameHeader(int Length, FrameType Type, FrameFlags Flags, int StreamId)
{
    public bool Has(FrameFlags flag) => (Flags & flag) != 0;

    public static FrameHeader Read(ReadOnlySpan<byte> source) => new(
        source[0] << 16 | source[1] << 8 | source[2],
        (FrameType)source[3],
        (FrameFlags)source[4],
        (int)(BinaryPrimitives.ReadUInt32BigEndian(source[5..]) & 0x7FFF_FFFF));

    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)StreamId);
    }

    public override string ToString() => $"{Type} frame of {Length} bytes on stream {StreamId} (flags 0x{(byte)Flags:x2})";
}

/// <summary>
/// A protocol violation by the peer. A connection error (<see cref="StreamId"/> 0) ends the
/// connection with GOAWAY; a stream error resets only that stream.
/// </summary>
internal sealed class Http2Exception(Http2ErrorCode code, string message, int streamId = 0) : Exception(message)
{
    public Http2ErrorCode Code { get; } = code;

    public int StreamId { get; } = streamId;
}
