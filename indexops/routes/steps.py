"""A route's output: calls in execution order, each with what a plan file records about it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from indexops.planning.rebalance import PlannedTrade
from indexops.routes.calls import Call


@dataclass(frozen=True)
class PlannedStep:
    call: Call
    phase: str  # "setup", "trade", "finish"
    gas_estimate: int
    component: str | None = None
    side: str | None = None
    chunk: int | None = None
    chunks: int | None = None
    venue: str | None = None
    cool_off_after: int = 0
    limits: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)


def trade_rounds(planned_trades: Sequence[PlannedTrade]) -> list[tuple[PlannedTrade, int]]:
    """(planned trade, chunk index) in execution order: every seller's chunk k before any k+1,
    all sells before buys (sells fund buys); chunks of one component are a cool-off apart."""
    order: list[tuple[PlannedTrade, int]] = []
    for side in ("sell", "buy"):
        group = [p for p in planned_trades if p.trade.side == side]
        for k in range(max((p.chunks.chunk_count for p in group), default=0)):
            order.extend((p, k) for p in group if k < p.chunks.chunk_count)
    return order
