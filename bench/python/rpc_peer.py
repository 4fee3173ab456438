"""python3-grpcio side of `make bench-rpc`: the same two methods as bench/Saol.Bench/Rpc, raw bytes.

  rpc_peer.py serve                       grpcio server on 127.0.0.1:<free port>; prints "PORT <n>"; runs until stdin closes
  rpc_peer.py client <host:port> <total_mb> <message_bytes> <pings> <reps> <server_pid>
                                          grpcio client; prints one JSON line
                                          {"stream_mbps": [...], "stream_cpu_ms_per_mb": [...], "ping_us": [...]}
                                          (CPU = this client process + the server process, read from /proc)

Methods (service saol.bench.v1.Bench, payloads are raw bytes, no protobuf):
  Upload: client streaming; replies with the total received byte count as 8 little-endian bytes.
  Ping:   unary; echoes the request.
"""
import json
import os
import struct
import sys
import time
from concurrent import futures

import grpc

SERVICE = "saol.bench.v1.Bench"
LIMIT = 64 * 1024 * 1024
OPTIONS = [("grpc.max_receive_message_length", LIMIT), ("grpc.max_send_message_length", LIMIT)]


def identity(data):
    return data


def upload(requests, context):
    return struct.pack("<q", sum(len(r) for r in requests))


def ping(request, context):
    return request


def serve():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=OPTIONS)
    handlers = {
        "Upload": grpc.stream_unary_rpc_method_handler(upload, identity, identity),
        "Ping": grpc.unary_unary_rpc_method_handler(ping, identity, identity),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()
    server.stop(0)


def process_cpu_seconds(pid):
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client(target, total_mb, message_bytes, pings, reps, server_pid):
    channel = grpc.insecure_channel(target, options=OPTIONS)
    grpc.channel_ready_future(channel).result(timeout=30)
    upload_call = channel.stream_unary(f"/{SERVICE}/Upload", request_serializer=identity, response_deserializer=identity)
    ping_call = channel.unary_unary(f"/{SERVICE}/Ping", request_serializer=identity, response_deserializer=identity)
    message = bytes(i % 251 for i in range(message_bytes))
    count = total_mb * 1024 * 1024 // message_bytes

    def stream_once(n):
        cpu = time.process_time() + process_cpu_seconds(server_pid)
        start = time.perf_counter()
        reply = upload_call(iter([message] * n), timeout=600)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() + process_cpu_seconds(server_pid) - cpu
        if struct.unpack("<q", reply)[0] != n * message_bytes:
            raise RuntimeError("server counted a different number of bytes")
        megabytes = n * message_bytes / 1e6
        return megabytes / elapsed, cpu * 1000 / megabytes

    stream_once(max(1, count // 10))  # warm-up
    runs = [stream_once(count) for _ in range(reps)]

    small = b"p" * 32
    for _ in range(200):
        ping_call(small, timeout=30)
    latencies = []
    for _ in range(pings):
        start = time.perf_counter()
        ping_call(small, timeout=30)
        latencies.append((time.perf_counter() - start) * 1e6)
    channel.close()
    print(json.dumps({"stream_mbps": [r for r, _ in runs], "stream_cpu_ms_per_mb": [c for _, c in runs], "ping_us": latencies}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve()
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]))
