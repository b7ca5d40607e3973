"""A JSON-RPC proxy on loopback that loses requests and answers, for testing the executor against a flaky RPC.

Each HTTP request (one JSON-RPC call or a batch) meets one fate, drawn from a seeded generator per method:

- drop:        the connection is closed without an answer and nothing is forwarded;
- delay:       forwarded after a pause drawn from `delay_seconds`;
- stall:       forwarded after a longer pause drawn from `stall_seconds`, meant to outlast the client's timeout:
               the client gives up, and the node still gets the request later (a late broadcast, a late warp);
- bad_gateway: answered HTTP 502 with a gateway's HTML page, nothing forwarded;
- reset:       forwarded, and the node's answer thrown away: the connection is reset before the client reads
               anything (for `eth_sendRawTransaction` the node has the transaction but the client saw an error);
- pass:        forwarded as is.

The shares of each fate are set with `faults(...)`; `outage_after_send(n, seconds)` resets the answer to
the n-th broadcast and then drops every request for a while; `go_dark_after(n)` forwards n more requests and
then drops every one. Nothing is faulted unless `active` is set. `rewrite(fn)`, whether active or not: every
answer forwarded is `fn(request, answer)` (both parsed JSON), e.g. one eth_call's result made garbage.
Only a loopback upstream is accepted, the proxy listens on 127.0.0.1 only, and it stops with its `with`.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FATES = ("drop", "delay", "stall", "bad_gateway", "reset")  # in this order along each draw's [0, 1)
BAD_GATEWAY_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


class FaultyRpcProxy:
    def __init__(self, upstream: str, *, seed: int):
        parts = urlsplit(upstream)
        if parts.hostname not in LOOPBACK:
            raise ValueError(f"the proxy forwards to loopback only, not {upstream}")
        self.upstream = (parts.hostname, parts.port or 80, parts.path or "/")
        self.shares = dict.fromkeys(FATES, 0.0)
        self.pauses = {"delay": (0.0, 0.0), "stall": (0.0, 0.0)}
        self.active = threading.Event()
        self.fates: Counter[str] = Counter()  # fate of each request while active
        self.methods: Counter[tuple[str, str]] = Counter()  # (fate, method) for every call in a request
        self._seed = seed
        self._random: dict[str, random.Random] = {}
        self._opening: tuple[str, ...] = ()
        self._calls: Counter[str] = Counter()  # requests per (first) method since `faults`
        self._lock = threading.Lock()
        self._outage_until = 0.0
        self._outage_after: tuple[int, float] | None = None
        self._dark_after: int | None = None
        self._rewrite: Callable[[object, object], object] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultyRpcProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.active.clear()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def faults(self, *, drop: float = 0.0, delay: float = 0.0, stall: float = 0.0, bad_gateway: float = 0.0,
               reset: float = 0.0, delay_seconds: tuple[float, float] = (0.0, 1.5),
               stall_seconds: tuple[float, float] = (2.0, 5.0), opening: tuple[str, ...] = ()) -> None:
        """From now on: the share of requests to meet each fate, the pauses of the delayed and stalled ones, and
        the fates the first calls of every method meet in turn before the draws decide (so that whatever a
        command asks first, its chain-id check and its first batched read included, surely meets them).
        The draws start afresh: a command run after this call meets the same fates on every run."""
        shares = {"drop": drop, "delay": delay, "stall": stall, "bad_gateway": bad_gateway, "reset": reset}
        if min(shares.values()) < 0 or sum(shares.values()) > 1:
            raise ValueError("each share is between 0 and 1, and together they are at most 1")
        if set(opening) - set(FATES):
            raise ValueError(f"unknown fates in {opening}")
        with self._lock:
            self.shares, self.pauses = shares, {"delay": delay_seconds, "stall": stall_seconds}
            self._opening, self._random, self._calls = opening, {}, Counter()

    def outage_after_send(self, nth: int, seconds: float) -> None:
        """Reset the answer to the `nth` eth_sendRawTransaction from now, then start an outage of `seconds`."""
        with self._lock:
            self._outage_after = (nth, seconds)

    def go_dark_after(self, requests: int) -> None:
        """Forward the next `requests` requests as they are, then drop every request (a node gone for good)."""
        with self._lock:
            self._dark_after = requests

    def rewrite(self, change: Callable[[object, object], object] | None) -> None:
        """From now on, answer `change(request, answer)` instead of the node's answer (None: the node's again)."""
        with self._lock:
            self._rewrite = change

    # ---- one request ------------------------------------------------------------------------

    def _fate(self, methods: list[str]) -> tuple[str, float]:
        """The request's fate, and how long to hold it back."""
        with self._lock:
            if not self.active.is_set():
                return "pass", 0.0
            fate, pause = self._choose(methods)
            self.fates[fate] += 1
            for method in methods:
                self.methods[(fate, method)] += 1
            return fate, pause

    def _choose(self, methods: list[str]) -> tuple[str, float]:  # under the lock
        if self._dark_after is not None:
            self._dark_after -= 1
            return ("pass" if self._dark_after >= 0 else "drop"), 0.0
        if time.monotonic() < self._outage_until:
            return "drop", 0.0
        if self._outage_after is not None and "eth_sendRawTransaction" in methods:
            nth, seconds = self._outage_after
            self._outage_after = (nth - 1, seconds) if nth > 1 else None
            if nth == 1:
                self._outage_until = time.monotonic() + seconds
                return "reset", 0.0
        # one stream per method: a method's n-th call meets the same fate in every run, even when another
        # method is called a different number of times (a receipt may need one more poll on a slow machine)
        stream = self._random.setdefault(methods[0], random.Random(f"{self._seed}/{methods[0]}"))
        draw, spread = stream.random(), stream.random()  # always two draws, so the stream stays in step
        self._calls[methods[0]] += 1
        if self._calls[methods[0]] <= len(self._opening):
            fate = self._opening[self._calls[methods[0]] - 1]
            low, high = self.pauses.get(fate, (0.0, 0.0))
            return fate, low + spread * (high - low)
        edge = 0.0
        for fate in FATES:
            edge += self.shares[fate]
            if draw < edge:
                low, high = self.pauses.get(fate, (0.0, 0.0))
                return fate, low + spread * (high - low)
        return "pass", 0.0

    def _forward(self, body: bytes) -> tuple[int, bytes]:
        host, port, path = self.upstream
        connection = http.client.HTTPConnection(host, port, timeout=30)
        try:
            connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection: a closed connection loses exactly one

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fate, pause = proxy._fate(_methods(body))
                if fate == "drop":
                    self.close_connection = True
                    return
                if fate == "bad_gateway":
                    self._answer(502, BAD_GATEWAY_PAGE, "text/html")
                    return
                time.sleep(pause)
                status, answer = proxy._forward(body)
                change = proxy._rewrite
                if change is not None and status == 200:
                    answer = json.dumps(change(json.loads(body), json.loads(answer))).encode()
                if fate == "reset":  # closed with linger 0: an RST, the client's read fails with "connection reset"
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                self._answer(status, answer, "application/json")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
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


def _methods(body: bytes) -> list[str]:
    try:
        payload = json.loads(body)
    except ValueError:
        return ["?"]
    calls = payload if isinstance(payload, list) else [payload]
    return [str(call.get("method", "?")) if isinstance(call, dict) else "?" for call in calls] or ["?"]
