"""Hand-encoded protobuf for the two messages of tests/Saol.Rpc.Tests/Protos/echo.proto.

Debian's python3-grpcio ships without grpc_tools (no protoc), so the peers encode the tiny
echo messages themselves: varint (wire type 0) and length-delimited (wire type 2) fields only.
"""

# EchoRequest: 1 text, 2 payload, 3 count, 4 delay_ms, 5 fail_code
# EchoReply:   1 text, 2 payload, 3 index, 4 total_bytes
REQUEST_FIELDS = {1: "text", 2: "payload", 3: "count", 4: "delay_ms", 5: "fail_code"}
REPLY_FIELDS = {1: "text", 2: "payload", 3: "index", 4: "total_bytes"}


def _varint(value):
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _encode(fields, values):
    out = bytearray()
    for number, name in fields.items():
        value = values.get(name)
        if value in (None, "", b"", 0):
            continue
        if isinstance(value, str):
            value = value.encode("utf-8")
        if isinstance(value, (bytes, bytearray, memoryview)):
            out += _varint(number << 3 | 2) + _varint(len(value)) + bytes(value)
        else:
            out += _varint(number << 3) + _varint(int(value))
    return bytes(out)


def _read_varint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _decode(fields, data):
    values = {name: (b"" if name == "payload" else "" if name == "text" else 0) for name in fields.values()}
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            value = bytes(data[pos:pos + length])
            if len(value) != length:
                raise ValueError("truncated field")
            pos += length
        else:
            raise ValueError(f"unsupported wire type {wire}")
        name = fields.get(number)
        if name == "text":
            values[name] = value.decode("utf-8")
        elif name is not None:
            values[name] = value
    return values


def encode_request(**values):
    return _encode(REQUEST_FIELDS, values)


def decode_request(data):
    return _decode(REQUEST_FIELDS, data)


def encode_reply(**values):
    return _encode(REPLY_FIELDS, values)


def decode_reply(data):
    return _decode(REPLY_FIELDS, data)
