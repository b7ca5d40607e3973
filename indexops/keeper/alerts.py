"""`keeper run`'s alerts through apprise (`[alerts] urls` in products.toml): the ratio outside the band, a
ripcord sent, a transaction failed or replaced, the keeper's balance under `keeper_min_eth`, an RPC failover.

One alert per event, not per block: a condition (out of band, low balance, failing simulation) is said once
and again only after it has cleared. Notifications go out from a daemon thread so a slow receiver never holds
up the loop. URLs are never shown: a delivery that fails is a line naming `alerts.urls.N`. Imported only when
the products file has `[alerts]`."""

from __future__ import annotations

import logging
import queue
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from indexops.config.interpolate import interpolate
from indexops.config.types import alert_url_problem
from indexops.errors import UsageError
from indexops.keeper.decide import Decision
from indexops.keeper.log import Line
from indexops.keeper.observe import Watcher

PRECISE = 10**18
WEI = 10**18


def filled_urls(urls: Sequence[str], environ: Mapping[str, str], source: str) -> list[str]:
    """Each `[alerts] urls` entry with `${NAME}` filled in, checked; a problem names `alerts.urls.N`, not the URL."""
    filled = []
    for i, url in enumerate(urls):
        key = f"{source}: alerts.urls.{i}"
        try:
            value = interpolate(url, environ)
        except KeyError as missing:
            variable = missing.args[0]
            state = "is empty" if variable in environ else "is not set"
            raise UsageError(f"{key}: environment variable {variable} {state}") from None
        if (problem := alert_url_problem(value)) is not None:
            raise UsageError(f"{key}: {problem} (once the environment is filled in)")
        filled.append(value)
    return filled


class Alerter(Watcher):
    def __init__(self, urls: Sequence[str], keeper_min_eth: float | None, source: str, notifier: Any = None):
        self.keeper_min_eth = keeper_min_eth
        self.active: set[tuple[str, str]] = set()  # (product, condition) said and not cleared yet
        self.sent: list[tuple[str, str]] = []  # (title, body) handed to the sender, for tests and debugging
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._targets = notifier if notifier is not None else _apprise_targets(urls, source)
        self._thread = threading.Thread(target=self._deliver, name="keeper-alerts", daemon=True)
        self._thread.start()

    # ---- conditions said once until they clear ---------------------------------------------------

    def _condition(self, product: str, name: str, holds: bool, title: str, body: str) -> None:
        key = (product, name)
        if holds and key not in self.active:
            self.active.add(key)
            self.notify(title, body)
        elif not holds:
            self.active.discard(key)

    def decision(self, product: str, decision: Decision, balance_wei: int | None) -> None:
        reading = decision.reading
        methodology = reading.settings.methodology
        ratio = reading.contract_ratio
        low, high = methodology.min_leverage_ratio, methodology.max_leverage_ratio
        outside = ratio is not None and not (low <= ratio <= high)
        self._condition(
            product,
            "band",
            outside,
            f"{product}: leverage ratio outside the band",
            f"{product}: ratio {ratio / PRECISE:.4f}x at block {decision.block}, band {low / PRECISE:.4g}x - "
            f"{high / PRECISE:.4g}x; the keeper decides {decision.verdict.action.value}",
        )
        if self.keeper_min_eth is not None and balance_wei is not None:
            eth = balance_wei / WEI
            self._condition(
                "",
                "balance",
                eth < self.keeper_min_eth,
                "keeper balance low",
                f"the keeper holds {eth:.6g} ETH at block {decision.block}, under keeper_min_eth "
                f"{self.keeper_min_eth:g}",
            )

    def line(self, line: Line) -> None:
        product, action = line.product, line.action or ""
        if line.kind == "decision" and line.tx_hash and action == "ripcord":
            self.notify(f"{product}: ripcord sent", f"{product}: ripcord sent at block {line.block}: tx {line.tx_hash}")
        elif line.kind == "bumped":
            self.notify(
                f"{product}: transaction replaced",
                f"{product}: {action} replaced at block {line.block}, nonce {line.nonce}, attempt {line.attempt}: "
                f"tx {line.tx_hash} ({line.detail})",
            )
        elif line.kind == "error" and action and (line.detail or "").startswith("simulation reverts"):
            self._condition(
                product,
                "simulation",
                True,
                f"{product}: {action} fails",
                f"{product} at block {line.block}: {line.detail}",
            )
        elif line.kind == "mined":
            self.active.discard((product, "simulation"))

    def receipt(self, product: str, action: str, receipt: Any) -> None:
        if receipt["status"] != 1:
            tx = receipt["transactionHash"]
            tx_hash = tx.hex() if isinstance(tx, bytes) else str(tx)
            self.notify(
                f"{product}: transaction failed",
                f"{product}: {action} reverted on chain in block {receipt['blockNumber']}: tx {tx_hash}",
            )

    def failover(self, old: str, new: str, reason: str) -> None:
        self.notify("RPC failover", f"RPC requests moved from {old} to {new} ({reason})")

    # ---- delivery ------------------------------------------------------------------------------

    def notify(self, title: str, body: str) -> None:
        self.sent.append((title, body))
        self._queue.put((title, body))

    def _deliver(self) -> None:
        while (item := self._queue.get()) is not None:
            title, body = item
            for i, target in enumerate(self._targets):
                try:
                    ok = target.notify(title=title, body=body)
                except Exception:  # noqa: BLE001 - a receiver's failure is a line, never the keeper's
                    ok = False
                if not ok:
                    sys.stderr.write(f"warning: alert not delivered to alerts.urls.{i}: {title}\n")
            self._queue.task_done()

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (within `timeout`), then stop the sender."""
        self._queue.put(None)
        self._thread.join(timeout)


def _apprise_targets(urls: Sequence[str], source: str) -> list[Any]:
    """One apprise object per URL (so a failure names its index); a URL apprise cannot use is refused here."""
    import apprise

    logging.getLogger("apprise").addHandler(logging.NullHandler())
    logging.getLogger("apprise").propagate = False  # its messages may hold a URL
    targets = []
    for i, url in enumerate(urls):
        target = apprise.Apprise()
        if not target.add(url):
            raise UsageError(f"{source}: alerts.urls.{i}: apprise cannot use this URL (unknown scheme or bad form)")
        targets.append(target)
    return targets
