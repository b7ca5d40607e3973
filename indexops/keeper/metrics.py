"""`keeper run --metrics-port N`: Prometheus metrics (prometheus_client, its own registry) and `/healthz` on one
port, served from a daemon thread. `/healthz` answers 200 while the loop has seen a block within `stale_polls`
polls, 503 otherwise. Imported only when the option is given (prometheus_client is not loaded otherwise)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, make_wsgi_app

from indexops.keeper.decide import Decision
from indexops.keeper.log import Line
from indexops.keeper.observe import Watcher

PRECISE = 10**18
WEI = 10**18
VERDICTS = ("rebalance", "iterateRebalance", "ripcord", "nothing")


class KeeperMetrics(Watcher):
    def __init__(self, poll_seconds: float, stale_polls: int = 5, clock: Callable[[], float] = time.monotonic):
        self.registry = CollectorRegistry()
        self.poll_seconds, self.stale_polls, self.clock = poll_seconds, stale_polls, clock
        self.last_block_at: float | None = None
        self._eth_usd: dict[str, int | None] = {}
        r = self.registry
        self.ratio = Gauge("indexops_keeper_leverage_ratio", "Current leverage ratio", ["product"], registry=r)
        self.band = Gauge(
            "indexops_keeper_leverage_band", "Methodology min / max ratio", ["product", "bound"], registry=r
        )
        self.verdict = Gauge(
            "indexops_keeper_verdict",
            "1 for the product's current verdict, 0 for the others",
            ["product", "action"],
            registry=r,
        )
        self.sent = Counter("indexops_keeper_actions_sent", "Transactions sent", ["product", "action"], registry=r)
        self.failed = Counter(
            "indexops_keeper_actions_failed",
            "Simulation reverts and transactions reverted on chain",
            ["product", "action"],
            registry=r,
        )
        self.replaced = Counter(
            "indexops_keeper_actions_replaced",
            "Transactions replaced at the same nonce",
            ["product", "action"],
            registry=r,
        )
        self.gas_wei = Counter(
            "indexops_keeper_gas_spent_wei", "Gas paid by mined transactions", ["product"], registry=r
        )
        self.gas_usd = Counter(
            "indexops_keeper_gas_spent_usd", "Gas paid, in USD at the product's ETH price", ["product"], registry=r
        )
        self.balance = Gauge("indexops_keeper_balance_eth", "The keeper account's ETH balance", registry=r)
        self.last_block = Gauge("indexops_keeper_last_block", "The last block the loop saw", registry=r)
        self.failovers = Counter("indexops_keeper_rpc_failovers", "RPC failovers", ["reason"], registry=r)

    # ---- the loop's hooks --------------------------------------------------------------------

    def block(self, number: int) -> None:
        self.last_block.set(number)
        self.last_block_at = self.clock()

    def decision(self, product: str, decision: Decision, balance_wei: int | None) -> None:
        reading, verdict = decision.reading, decision.verdict
        if reading.contract_ratio is not None:
            self.ratio.labels(product).set(reading.contract_ratio / PRECISE)
        methodology = reading.settings.methodology
        self.band.labels(product, "min").set(methodology.min_leverage_ratio / PRECISE)
        self.band.labels(product, "max").set(methodology.max_leverage_ratio / PRECISE)
        names = set(VERDICTS) | {verdict.action.value}
        for name in names:
            self.verdict.labels(product, name).set(1 if name == verdict.action.value else 0)
        self._eth_usd[product] = decision.eth_usd
        if balance_wei is not None:
            self.balance.set(balance_wei / WEI)

    def line(self, line: Line) -> None:
        action = line.action or "unknown"
        if line.kind == "decision" and line.tx_hash:
            self.sent.labels(line.product, action).inc()
        elif line.kind == "bumped":
            self.replaced.labels(line.product, action).inc()
        elif line.kind == "error" and line.action and (line.detail or "").startswith("simulation reverts"):
            self.failed.labels(line.product, action).inc()

    def receipt(self, product: str, action: str, receipt: Any) -> None:
        price = receipt.get("effectiveGasPrice")
        if price is not None:
            wei = int(receipt["gasUsed"]) * int(price)
            self.gas_wei.labels(product).inc(wei)
            eth_usd = self._eth_usd.get(product)
            if eth_usd is not None:
                self.gas_usd.labels(product).inc(wei / WEI * eth_usd / PRECISE)
        if receipt["status"] != 1:
            self.failed.labels(product, action).inc()

    def failover(self, old: str, new: str, reason: str) -> None:
        self.failovers.labels(reason[:60]).inc()

    # ---- serving -------------------------------------------------------------------------------

    def healthy(self) -> bool:
        if self.last_block_at is None:
            return False
        return self.clock() - self.last_block_at <= self.stale_polls * self.poll_seconds + 1.0

    def app(self) -> Callable:
        metrics = make_wsgi_app(self.registry)

        def application(environ, start_response):
            if environ.get("PATH_INFO") == "/healthz":
                ok = self.healthy()
                status = "200 OK" if ok else "503 Service Unavailable"
                start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
                return [b"ok\n" if ok else b"no block seen recently\n"]
            return metrics(environ, start_response)

        return application

    def serve(self, host: str, port: int) -> MetricsServer:
        return MetricsServer(make_server(host, port, self.app(), _ThreadedServer, handler_class=_Quiet))


class _ThreadedServer(WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


class MetricsServer:
    def __init__(self, server: WSGIServer):
        self.server = server
        self.port = server.server_port
        self.thread = threading.Thread(target=server.serve_forever, name="keeper-metrics", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
