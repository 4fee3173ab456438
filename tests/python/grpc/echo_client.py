"""A python3-grpcio client that calls our C# Echo server and prints one JSON object of outcomes.

usage: echo_client.py <host:port> <bearer-token> [root.pem]   (with a root certificate it calls over
TLS, checking the server's certificate against it for the name "localhost"; else cleartext h2c)
Each scenario's entry records what grpcio observed (status code name, details, replies), so the
C# test asserts on grpcio's view of our server. Cancellation scenarios wait for the server's
response headers (sent before its handler starts waiting) or first replies, so the handler is
running when the client cancels.
"""
import json
import sys
import threading

import grpc

from echo_wire import decode_reply, encode_request

SERVICE = "/saol.test.v1.Echo/"


def main():
    target, token = sys.argv[1], sys.argv[2]
    auth = [("authorization", f"Bearer {token}")]
    limit = 64 * 1024 * 1024
    options = [("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)]
    if len(sys.argv) > 3:
        with open(sys.argv[3], "rb") as root:
            credentials = grpc.ssl_channel_credentials(root_certificates=root.read())
        channel = grpc.secure_channel(target, credentials, options=options + [("grpc.ssl_target_name_override", "localhost")])
    else:
        channel = grpc.insecure_channel(target, options=options)
    grpc.channel_ready_future(channel).result(timeout=30)

    def method(kind, name):
        factory = getattr(channel, kind)
        return factory(SERVICE + name, request_serializer=lambda r: encode_request(**r), response_deserializer=decode_reply)

    unary = method("unary_unary", "Unary")
    server_stream = method("unary_stream", "ServerStream")
    client_stream = method("stream_unary", "ClientStream")
    duplex = method("stream_stream", "Duplex")
    results = {}

    def scenario(name):
        def wrap(fn):
            try:
                results[name] = {"code": "OK", **(fn() or {})}
            except grpc.RpcError as error:
                results[name] = {"code": error.code().name, "details": error.details() or ""}
            return fn
        return wrap

    payload = bytes(range(256)) * 4

    @scenario("unary")
    def _():
        reply = unary({"text": "py-unary", "payload": payload}, metadata=auth, timeout=30)
        return {"text": reply["text"], "payload_ok": reply["payload"] == payload}

    big = bytes(i * 7 % 251 for i in range(3 * 1024 * 1024))

    @scenario("unary_large")
    def _():
        reply = unary({"text": "py-large", "payload": big}, metadata=auth, timeout=30)
        return {"payload_ok": reply["payload"] == big}

    @scenario("server_stream")
    def _():
        return {"indexes": [r["index"] for r in server_stream({"text": "py-ss", "count": 5}, metadata=auth, timeout=30)]}

    @scenario("client_stream")
    def _():
        requests = iter([{"text": t, "payload": b"x" * n} for t, n in (("a", 10), ("b", 0), ("c", 300000))])
        reply = client_stream(requests, metadata=auth, timeout=30)
        return {"text": reply["text"], "index": reply["index"], "total_bytes": reply["total_bytes"]}

    @scenario("duplex")
    def _():
        requests = iter([{"text": f"d{i}", "payload": b"y" * (i * 1000)} for i in range(5)])
        replies = list(duplex(requests, metadata=auth, timeout=30))
        return {"texts": [r["text"] for r in replies], "sizes": [len(r["payload"]) for r in replies]}

    @scenario("metadata")
    def _():
        _, call = unary.with_call({"text": "py-md"}, metadata=auth + [("x-py", "hello"), ("x-py-bin", b"\x00\xff\x10")], timeout=30)
        initial = dict(call.initial_metadata())
        trailing = dict(call.trailing_metadata())
        return {
            "x_py": initial.get("x-py"),
            "x_py_bin": list(initial.get("x-py-bin", b"")),
            "x_trailer": trailing.get("x-trailer"),
            "x_trailer_bin": list(trailing.get("x-trailer-bin", b"")),
        }

    @scenario("error")
    def _():
        unary({"text": "no such job: jöb-42 % 100", "fail_code": 5}, metadata=auth, timeout=30)

    @scenario("unauthenticated")
    def _():
        unary({"text": "no-token"}, timeout=30)

    @scenario("unknown_method")
    def _():
        channel.unary_unary(SERVICE + "Nope")(b"", metadata=auth, timeout=30)

    @scenario("deadline")
    def _():
        unary({"text": "py-deadline", "delay_ms": 60000}, metadata=auth, timeout=0.3)

    @scenario("cancel")
    def _():
        # A unary-stream call, because grpcio hands out a unary call's headers only with its end.
        call = server_stream({"text": "py-cancel", "count": 1, "delay_ms": 60000}, metadata=auth + [("x-sync", "1")], timeout=30)
        call.initial_metadata()
        call.cancel()
        return {"cancelled": call.code() == grpc.StatusCode.CANCELLED}

    @scenario("stream_cancel")
    def _():
        call = server_stream({"text": "py-stream-cancel", "count": 100000, "delay_ms": 20}, metadata=auth, timeout=30)
        got = [next(call)["index"], next(call)["index"]]
        call.cancel()
        return {"got": got, "cancelled": call.code() == grpc.StatusCode.CANCELLED}

    channel.close()
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    threading.current_thread().name = "echo-client"
    main()
