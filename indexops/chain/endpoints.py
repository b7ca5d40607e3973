"""Several RPC endpoints for one chain: which one serves the next request, and which are resting after a failure.

The endpoints are kept in the order they were configured; requests go to the first healthy one (the
active endpoint). An endpoint whose transient failure persists (two in a row, or at once for a refused
connection or a timeout: it is down or too slow) rests for a cool-down, `FIRST_COOL_DOWN_SECONDS` doubling
up to `MAX_COOL_DOWN_SECONDS` while it keeps failing, and is tried again when it is over; an answer resets
it. When every endpoint is resting, the one whose rest ends first is asked anyway, so that one endpoint
alone behaves as it always did: it is asked again until the retry policy's deadline.

An endpoint that reports another chain is refused for good. Every change of the active endpoint is told to
the listeners as `(old, new, reason)`, endpoints named by `label` (scheme, host and port: no credentials).

Pure bookkeeping: no I/O; the clock is injectable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

FIRST_COOL_DOWN_SECONDS = 30.0
MAX_COOL_DOWN_SECONDS = 300.0
FAILURES_BEFORE_FAILOVER = 2  # a blip is asked again on the same endpoint; a second failure in a row is not a blip

FailoverListener = Callable[[str, str, str], None]


@dataclass(eq=False)
class Endpoint:
    url: str = field(repr=False)  # may carry an API key: never shown; `label` is
    label: str
    answered: bool = False  # has this endpoint answered anything yet?
    chain_checked: bool = False  # has its chain id been seen to be the connection's?
    refused: str | None = None  # why it is never used (another chain)
    failures_in_a_row: int = 0
    cool_downs_in_a_row: int = 0
    resting_until: float = 0.0
    last_failure: str = ""
    last_never_reached: bool = False  # its last failure: no server took the connection

    def __repr__(self) -> str:
        return f"Endpoint({self.label})"


@dataclass(frozen=True)
class EndpointHealth:
    label: str
    active: bool
    healthy: bool
    resting_seconds: float  # until it is tried again (0 when healthy)
    refused: str | None
    last_failure: str | None


def labels_for(urls: Sequence[str]) -> list[str]:
    """Each URL as `display_url` shows it; endpoints that would look alike are numbered (`#2`) to tell them apart."""
    from indexops.chain.connection import display_url

    shown = [display_url(url) for url in urls]
    return [f"{label} #{i + 1}" if shown.count(label) > 1 else label for i, label in enumerate(shown)]


class EndpointPool:
    def __init__(self, urls: Sequence[str], clock: Callable[[], float] = time.monotonic):
        if not urls:
            raise ValueError("at least one RPC URL is needed")
        self.endpoints = [Endpoint(url, label) for url, label in zip(urls, labels_for(urls), strict=True)]
        self.clock = clock
        self.listeners: list[FailoverListener] = []
        self.failovers = 0
        self._active = self.endpoints[0]
        self._lock = threading.Lock()

    @property
    def active(self) -> Endpoint:
        """The endpoint the last request went to (the first one before any request)."""
        return self._active

    @property
    def where(self) -> str:
        """Every endpoint, for a message: `https://a, https://b`."""
        return ", ".join(endpoint.label for endpoint in self.endpoints)

    def usable(self) -> list[Endpoint]:
        return [endpoint for endpoint in self.endpoints if endpoint.refused is None]

    def healthy(self) -> list[Endpoint]:
        """The endpoints not resting and not refused, in their configured order."""
        now = self.clock()
        return [endpoint for endpoint in self.usable() if endpoint.resting_until <= now]

    def pick(self) -> Endpoint:
        """The first healthy endpoint, else the one whose rest ends first; becomes the active one."""
        return self.use(self.candidates()[0])

    def candidates(self) -> list[Endpoint]:
        """Where a request may go, best first: the healthy endpoints, else the resting one whose rest ends first."""
        healthy = self.healthy()
        if healthy:
            return healthy
        usable = self.usable()
        if not usable:
            from indexops.errors import ChainError

            refused = "; ".join(f"{endpoint.label}: {endpoint.refused}" for endpoint in self.endpoints)
            raise ChainError(f"no RPC endpoint left to use ({refused})")
        return [min(usable, key=lambda endpoint: endpoint.resting_until)]

    def use(self, endpoint: Endpoint) -> Endpoint:
        """Make `endpoint` the active one, telling the listeners if that is a change."""
        with self._lock:
            old, self._active = self._active, endpoint
        if old is not endpoint:
            self.failovers += 1
            self._tell(old, endpoint, self._why_leaving(old, endpoint))
        return endpoint

    def answered(self, endpoint: Endpoint) -> None:
        with self._lock:
            endpoint.answered = True
            endpoint.failures_in_a_row = endpoint.cool_downs_in_a_row = 0
            endpoint.resting_until = 0.0

    def failed(self, endpoint: Endpoint, reason: str, *, at_once: bool = False, never_reached: bool = False) -> None:
        """A transient failure on `endpoint`; with `at_once` (refused, timed out) or the second in a row it rests."""
        with self._lock:
            endpoint.last_failure, endpoint.last_never_reached = reason, never_reached
            endpoint.failures_in_a_row += 1
            if not at_once and endpoint.failures_in_a_row < FAILURES_BEFORE_FAILOVER:
                return
            pause = min(FIRST_COOL_DOWN_SECONDS * 2**endpoint.cool_downs_in_a_row, MAX_COOL_DOWN_SECONDS)
            endpoint.cool_downs_in_a_row += 1
            endpoint.failures_in_a_row = 0
            endpoint.resting_until = self.clock() + pause

    def refuse(self, endpoint: Endpoint, reason: str) -> None:
        """Never use `endpoint` again (it reports another chain)."""
        with self._lock:
            endpoint.refused = endpoint.last_failure = reason

    def hopeless(self) -> bool:
        """No endpoint has ever answered and every one's last failure was a refused connection or an unknown
        host: a wrong URL (or a node not started), not worth waiting for."""
        return all(
            endpoint.refused is not None or (not endpoint.answered and endpoint.last_never_reached)
            for endpoint in self.endpoints
        )

    def health(self) -> list[EndpointHealth]:
        """Each endpoint's state now, in order (for metrics and alerts): never its URL."""
        now = self.clock()
        return [
            EndpointHealth(
                label=endpoint.label,
                active=endpoint is self._active,
                healthy=endpoint.refused is None and endpoint.resting_until <= now,
                resting_seconds=max(0.0, endpoint.resting_until - now),
                refused=endpoint.refused,
                last_failure=endpoint.last_failure or None,
            )
            for endpoint in self.endpoints
        ]

    def on_failover(self, listener: FailoverListener) -> None:
        """Call `listener(old_label, new_label, reason)` whenever requests move to another endpoint."""
        self.listeners.append(listener)

    def _why_leaving(self, old: Endpoint, new: Endpoint) -> str:
        if old.refused is not None:
            return old.refused
        if old.resting_until > self.clock() or old.failures_in_a_row:  # resting, or a broadcast lost there
            return old.last_failure or "failed"
        # an endpoint configured before `old` is asked again: after its rest, or after a broadcast went on
        return "cool-down over" if new.cool_downs_in_a_row else "preferred endpoint healthy"

    def _tell(self, old: Endpoint, new: Endpoint, reason: str) -> None:
        for listener in list(self.listeners):
            listener(old.label, new.label, reason)
