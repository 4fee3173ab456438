"""A python3-grpcio server of the raw-bytes saol.test.v1.Bulk methods, for our StreamingClientCall.

usage: bulk_server.py
Binds 127.0.0.1 on a port the OS picks and prints "PORT <n>"; runs until stdin closes.
  Digest     answers with the digest of the messages (see bulk_client.py) and echoes every x-
             header as a trailer;
  Abort      reads one message, then aborts with the code in x-code, the details in x-details
             and trailers x-reason / x-reason-bin;
  AbortEarly aborts at once (INVALID_ARGUMENT) without reading, however much the client sends.
"""
import hashlib
import struct
import sys
from concurrent import futures

import grpc

CODES = {code.value[0]: code for code in grpc.StatusCode}


def digest(request_iterator, context):
    sha = hashlib.sha256()
    count = 0
    for message in request_iterator:
        sha.update(struct.pack(">I", len(message)))
        sha.update(message)
        count += 1
    context.set_trailing_metadata([(k, v) for k, v in context.invocation_metadata() if k.startswith("x-")])
    return struct.pack(">q", count) + sha.digest()


def abort(request_iterator, context):
    next(request_iterator, None)
    headers = dict(context.invocation_metadata())
    context.set_trailing_metadata([("x-reason", "because"), ("x-reason-bin", bytes([0, 1, 2, 255]))])
    context.abort(CODES[int(headers.get("x-code", "10"))], headers.get("x-details", "aborted by grpcio"))


def abort_early(request_iterator, context):
    context.abort(grpc.StatusCode.INVALID_ARGUMENT, "refused before reading")


def main():
    limit = 64 * 1024 * 1024
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)])
    handlers = {
        "Digest": grpc.stream_unary_rpc_method_handler(digest),
        "Abort": grpc.stream_unary_rpc_method_handler(abort),
        "AbortEarly": grpc.stream_unary_rpc_method_handler(abort_early),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("saol.test.v1.Bulk", handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()
    server.stop(grace=None)


if __name__ == "__main__":
    main()
