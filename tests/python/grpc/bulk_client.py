"""A python3-grpcio client of the raw-bytes saol.test.v1.Bulk methods of our C# StreamingServer.

usage: bulk_client.py <host:port> <bearer-token>
Prints one JSON object: for each scenario what grpcio observed (status code name, details,
trailing metadata, the response and the digest it expected), so the C# test asserts on grpcio's
view of the server. Digest = 8-byte big-endian message count + SHA-256 over every message as its
4-byte big-endian length and its bytes (tests/Saol.Rpc.Tests/Http2/BulkServer.cs).
"""
import hashlib
import json
import struct
import sys
import threading

import grpc

SERVICE = "/saol.test.v1.Bulk/"


def digest(messages):
    sha = hashlib.sha256()
    for message in messages:
        sha.update(struct.pack(">I", len(message)))
        sha.update(message)
    return struct.pack(">q", len(messages)) + sha.digest()


def pattern(size, seed):
    # Cheap, non-repeating-looking bytes (os.urandom would do, but a fixed pattern is reproducible).
    block = hashlib.sha256(str(seed).encode()).digest() * 32
    return (block * (size // len(block) + 1))[:size]


def metadata_dict(pairs):
    return {k: (list(v) if isinstance(v, bytes) else v) for k, v in (pairs or [])}


def main():
    target, token = sys.argv[1], sys.argv[2]
    auth = [("authorization", f"Bearer {token}")]
    channel = grpc.insecure_channel(target, options=[("grpc.max_send_message_length", 64 << 20)])
    grpc.channel_ready_future(channel).result(timeout=30)

    def method(name):
        # No serializers: requests and responses are raw bytes.
        return channel.stream_unary(SERVICE + name)

    results = {}
    # Holds back the deadline scenario's last message until the run is over.
    release = threading.Event()

    def scenario(name):
        def wrap(fn):
            try:
                results[name] = {"code": "OK", **(fn() or {})}
            except grpc.RpcError as error:
                results[name] = {
                    "code": error.code().name,
                    "details": error.details() or "",
                    "trailers": metadata_dict(error.trailing_metadata()),
                }
            return fn
        return wrap

    @scenario("digest")
    def _():
        messages = [b"", b"\x01", pattern(16383, 1), pattern(16384, 2), pattern(16385, 3), pattern(5 << 20, 4), pattern(3 << 20, 5), b"end"]
        metadata = auth + [("x-scenario", "py-digest"), ("x-text", "hello grpcio"), ("x-data-bin", bytes([0, 255, 1, 2]))]
        response = method("Digest")(iter(messages), metadata=metadata, timeout=60)
        return {"response": response.hex(), "expected": digest(messages).hex()}

    @scenario("many")
    def _():
        messages = [pattern(i % 500, i) for i in range(2000)]
        response = method("Digest")(iter(messages), metadata=auth, timeout=60)
        return {"response": response.hex(), "expected": digest(messages).hex()}

    @scenario("error")
    def _():
        method("Fail")(iter([b"a", pattern(1 << 20, 6)]), metadata=auth + [("x-fail-code", "9")], timeout=60)

    @scenario("error_early")
    def _():
        # The handler fails before reading while this client still has megabytes to send.
        method("Fail")(iter([pattern(5 << 20, 7)] * 8), metadata=auth + [("x-fail-code", "8"), ("x-fail-early", "1")], timeout=60)

    @scenario("unauthenticated")
    def _():
        method("Digest")(iter([b"x"]), metadata=[("authorization", "Bearer wrong")], timeout=30)

    @scenario("unimplemented")
    def _():
        channel.stream_unary("/saol.test.v1.Bulk/Nope")(iter([b"x"]), metadata=auth, timeout=30)

    @scenario("deadline")
    def _():
        def slow():
            yield b"x"
            # The stream does not end in time: the deadline (sent as grpc-timeout) ends the call.
            release.wait(60)
            yield b"y"
        method("Hold")(slow(), metadata=auth, timeout=0.5)

    release.set()
    print(json.dumps(results), flush=True)
    channel.close()


if __name__ == "__main__":
    main()
