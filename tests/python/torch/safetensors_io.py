"""A small, independent safetensors reader/writer for the oracles (torch 1.13 has none built in).

It follows the format specification (8-byte little-endian header length, JSON header with dtype,
shape and data_offsets, raw little-endian data) and checks what it reads, so it is also the
Python side of the round-trip tests against the C# implementation.
"""
import json
import struct

import torch

DTYPES = {
    "BOOL": torch.bool, "U8": torch.uint8, "I8": torch.int8, "I16": torch.int16, "I32": torch.int32,
    "I64": torch.int64, "F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32, "F64": torch.float64,
}
NAMES = {v: k for k, v in DTYPES.items()}


def load(path):
    """Returns (tensors, metadata) from a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = memoryview(data)[8 + n:]
    tensors = {}
    end_max = 0
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        shape = info["shape"]
        count = 1
        for d in shape:
            count *= d
        size = torch.empty((), dtype=dtype).element_size()
        assert end - begin == count * size, f"{name}: {end - begin} bytes for {count} x {size}"
        raw = bytes(body[begin:end])
        t = torch.frombuffer(bytearray(raw), dtype=dtype) if count else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(shape).clone()
        end_max = max(end_max, end)
    assert end_max == len(body), f"data section is {len(body)} bytes, tensors cover {end_max}"
    return tensors, metadata


def save(tensors, path, metadata=None):
    """Writes tensors (name -> torch.Tensor) to a safetensors file, in name order."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for raw in blobs:
            f.write(raw)
