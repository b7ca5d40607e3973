"""A JSON-RPC server on loopback that misbehaves on cue: each request takes the next act from a script.

Acts: "answer" (the default once the script runs out), "drop" (close without answering), "502", "429" and "401"
(the HTTP status with a gateway's page), "limited" (HTTP 200 with a JSON-RPC rate-limit error; for a batch,
one error object instead of the list), "entry-limited" (a batch whose first entry is a rate-limit error),
"stall" (answer after `stall_seconds`), "refused-tx" (a node's JSON-RPC error: "nonce too low").
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RESULTS = {"eth_chainId": "0x7a69", "eth_blockNumber": "0x10", "eth_getCode": "0x6001",
           "eth_sendRawTransaction": "0x" + "ab" * 32, "eth_call": "0x" + "00" * 31 + "2a"}
RATE_LIMITED = {"code": -32005, "message": "rate limit exceeded, see https://rpc.example/v2/SECRETKEY"}


class ScriptedRpc:
    def __init__(self, *acts: str, stall_seconds: float = 0.0, results: dict[str, str] | None = None):
        self.acts = list(acts)
        self.results = {**RESULTS, **(results or {})}  # e.g. {"eth_chainId": "0x1"}: another chain
        self.params: list[list] = []  # the params of every call received, in order
        self.stall_seconds = stall_seconds
        self.methods: list[list[str]] = []  # the methods of every request received, in order
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ScriptedRpc:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, methods: list[str]) -> str:
        with self._lock:
            self.methods.append(methods)
            return self.acts.pop(0) if self.acts else "answer"

    def _handler(self):
        rpc = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                calls = payload if isinstance(payload, list) else [payload]
                act = rpc._next([call["method"] for call in calls])
                rpc.params.extend(call.get("params") for call in calls)
                if act == "drop":
                    self.close_connection = True
                    return
                if act in ("502", "429", "401"):
                    return self._send(int(act), b"<html><h1>gateway says no</h1></html>", "text/html")
                if act == "stall":
                    time.sleep(rpc.stall_seconds)
                answers = [self._answer(call, act) for call in calls]
                if act == "entry-limited" and isinstance(payload, list):
                    answers[0] = {"jsonrpc": "2.0", "id": calls[0]["id"], "error": RATE_LIMITED}
                if act == "limited" and isinstance(payload, list):
                    answers = {"jsonrpc": "2.0", "id": None, "error": RATE_LIMITED}
                body = answers if isinstance(payload, list) and isinstance(answers, list) else (
                    answers[0] if isinstance(answers, list) else answers)
                self._send(200, json.dumps(body).encode(), "application/json")

            def _answer(self, call: dict, act: str) -> dict:
                if act == "refused-tx":
                    return {"jsonrpc": "2.0", "id": call["id"], "error": {"code": -32000, "message": "nonce too low"}}
                if act == "limited":
                    return {"jsonrpc": "2.0", "id": call["id"], "error": RATE_LIMITED}
                if call["method"] == "eth_estimateGas":
                    reverted = {"code": 3, "message": "execution reverted: no"}
                    return {"jsonrpc": "2.0", "id": call["id"], "error": reverted}
                return {"jsonrpc": "2.0", "id": call["id"], "result": rpc.results.get(call["method"], "0x0")}

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # a stalled answer the client stopped waiting for

            def log_message(self, *args) -> None:
                pass

        return Handler
