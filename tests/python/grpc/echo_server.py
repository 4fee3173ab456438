"""A python3-grpcio server of saol.test.v1.Echo, the peer our C# client is tested against.

usage: echo_server.py [cert.pem key.pem]   (with the PEM pair it serves TLS, else cleartext h2c)

Binds 127.0.0.1 on a port the OS picks and prints "PORT <n>". When a call ends before its
handler finished (the client cancelled or the deadline passed) it prints
"ENDED <text> <deadline|cancelled>". Runs until stdin closes.
Semantics match tests/Saol.Rpc.Tests/EchoService.cs.
"""
import sys
import threading
import time
from concurrent import futures

import grpc

from echo_wire import decode_request, encode_reply

TRAILER_BYTES = bytes([0, 1, 2, 250, 255])
CODES = {code.value[0]: code for code in grpc.StatusCode}
_print_lock = threading.Lock()


def emit(line):
    with _print_lock:
        print(line, flush=True)


def begin(request, context):
    """Echoes x- headers, sets trailers, fails on request; returns the call's state."""
    state = {"done": False}

    def on_end():
        # grpcio runs this when the call terminates for any reason; it may stop pulling a streaming
        # handler's generator without resuming it, so this is where an early end is seen reliably.
        if not state["done"]:
            remaining = context.time_remaining()
            kind = "deadline" if remaining is not None and remaining <= 0.25 else "cancelled"
            emit(f"ENDED {request['text']} {kind}")

    context.add_callback(on_end)
    echoed = [(k, v) for k, v in context.invocation_metadata() if k.startswith("x-")]
    if echoed:
        context.send_initial_metadata(echoed)
    trailers = [("x-trailer", "done"), ("x-trailer-bin", TRAILER_BYTES)]
    context.set_trailing_metadata(trailers)
    if request["fail_code"]:
        state["done"] = True
        context.set_trailing_metadata(trailers + [("x-error-detail", "from-handler")])
        context.abort(CODES[request["fail_code"]], request["text"])
    if request["text"] == "throw":
        state["done"] = True
        raise RuntimeError("secret internal detail")
    return state


def delay(request, context):
    """Waits delay_ms; returns False when the call ended first."""
    end = time.monotonic() + request["delay_ms"] / 1000.0
    while time.monotonic() < end:
        if not context.is_active():
            return False
        time.sleep(0.005)
    return True


def reply(request, index):
    return {"text": request["text"], "payload": request["payload"], "index": index}


def unary(request, context):
    state = begin(request, context)
    if not delay(request, context):
        return encode_reply()
    state["done"] = True
    return reply(request, 0)


def server_stream(request, context):
    state = begin(request, context)
    for i in range(request["count"]):
        if not delay(request, context):
            return
        yield reply(request, i)
    state["done"] = True


def client_stream(requests, context):
    texts, total, state = [], 0, {"done": True}
    for request in requests:
        if not texts:
            state = begin(request, context)
        if not delay(request, context):
            return {}
        texts.append(request["text"])
        total += len(request["payload"])
    state["done"] = True
    return {"text": ",".join(texts), "index": len(texts), "total_bytes": total}


def duplex(requests, context):
    state = {"done": True}
    for index, request in enumerate(requests):
        if index == 0:
            state = begin(request, context)
        if not delay(request, context):
            return
        yield reply(request, index)
    state["done"] = True


def serialize(values):
    return values if isinstance(values, bytes) else encode_reply(**values)


def main():
    limit = 64 * 1024 * 1024
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=32),
        options=[("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)],
    )
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary, decode_request, serialize),
        "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream, decode_request, serialize),
        "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream, decode_request, serialize),
        "Duplex": grpc.stream_stream_rpc_method_handler(duplex, decode_request, serialize),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("saol.test.v1.Echo", handlers),))
    if len(sys.argv) == 3:
        with open(sys.argv[1], "rb") as cert, open(sys.argv[2], "rb") as key:
            credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
        port = server.add_secure_port("127.0.0.1:0", credentials)
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    emit(f"PORT {port}")
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
