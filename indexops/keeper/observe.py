"""What the keeper loop tells its watchers (metrics, alerts): each block seen, each decision with the keeper's
balance, each line it logs and each receipt. A watcher's failure never stops the loop."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from indexops.keeper.decide import Decision
from indexops.keeper.log import Line


class Watcher:
    """No-op hooks; a watcher overrides the ones it needs."""

    def block(self, number: int) -> None:
        pass

    def decision(self, product: str, decision: Decision, balance_wei: int | None) -> None:
        pass

    def line(self, line: Line) -> None:
        pass

    def receipt(self, product: str, action: str, receipt: Any) -> None:
        pass

    def failover(self, old: str, new: str, reason: str) -> None:
        pass


class Watchers(Watcher):
    """Every watcher, each one's failure a line on stderr (once per kind of failure)."""

    def __init__(self, watchers: Sequence[Watcher] = ()):
        self.watchers = list(watchers)
        self._said: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.watchers)

    def _each(self, hook: str, *args: Any) -> None:
        for watcher in self.watchers:
            try:
                getattr(watcher, hook)(*args)
            except Exception as error:  # noqa: BLE001 - metrics or alerts never stop the keeper
                said = f"{type(watcher).__name__}.{hook}: {type(error).__name__}"
                if said not in self._said:
                    self._said.add(said)
                    sys.stderr.write(f"warning: {said}: {str(error).splitlines()[0][:200] if str(error) else ''}\n")

    def block(self, number: int) -> None:
        self._each("block", number)

    def decision(self, product: str, decision: Decision, balance_wei: int | None) -> None:
        self._each("decision", product, decision, balance_wei)

    def line(self, line: Line) -> None:
        self._each("line", line)

    def receipt(self, product: str, action: str, receipt: Any) -> None:
        self._each("receipt", product, action, receipt)

    def failover(self, old: str, new: str, reason: str) -> None:
        self._each("failover", old, new, reason)
