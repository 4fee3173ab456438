namespace Saol.Rpc.Http2.Hpack;

/// <summary>
/// A header block could not be decoded (RFC 7541). The HPACK decoding context is then out of step
/// with the peer's encoder, so the HTTP/2 layer ends the connection with COMPRESSION_ERROR.
/// </summary>
internal sealed class HpackException(string message) : Exception(message);
