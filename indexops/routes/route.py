"""The one interface every route implements, whatever manager kind it serves.

A route turns the planning core's trades into the calls its manager accepts, knows what they cost
in gas (calibrated from receipts on the sandbox), whether its buys name an exact output, which role
signs which phase, and what the chain must allow before the first of its calls is sent. The planner
never knows which route runs its plan; `workflows/plan.py` and the executor see only this interface.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from indexops.planning.rebalance import RouteProfile, VenuesPerChunk
from indexops.routes.steps import PlannedStep


@dataclass(frozen=True)
class GasProfile:
    """Gas of a trade transaction: `per_transaction + per_trade * trades`.

    `batch_gas_limit` is the most gas one batched transaction may use (None: one trade per transaction).
    """

    per_trade: int
    per_transaction: int = 0
    batch_gas_limit: int | None = None

    def of(self, trades: int = 1) -> int:
        return self.per_transaction + self.per_trade * trades


class Route(Protocol):
    @property
    def kind(self) -> str:
        """The manager kind in products.toml."""

    @property
    def gas(self) -> GasProfile: ...

    @property
    def venues_per_chunk(self) -> VenuesPerChunk:
        """ "one": a chunk trades on one venue; "many": one call per venue fill."""

    @property
    def buys_exact_output(self) -> bool:
        """True: a buy receives an exact amount for at most a WETH limit."""

    @property
    def signers(self) -> Mapping[str, str]:
        """Phase -> the role that signs its steps."""

    def steps(self, rebalance, snapshot) -> Sequence[PlannedStep]:
        """The calls of a planned rebalance, in execution order."""

    def check_before_send(self, w3, steps: Iterable) -> None:
        """Raise (one line, nothing sent) if the chain would refuse one of these plan steps for a reason known now."""


def planning_profile(route: Route) -> RouteProfile:
    """What the pure planning core needs to know of the route."""
    return RouteProfile(route.venues_per_chunk, route.gas.per_trade)


@dataclass(frozen=True)
class ChainNow:
    """What the executor checks a plan against before its first step: the block, the state values the plan's
    `state` holds (so drift is the difference of the two), and who holds each role the steps are signed by."""

    block_number: int
    state: Mapping
    holders: Mapping[str, tuple[str, ...]]


@runtime_checkable
class ReadsItsOwnState(Protocol):
    """A route whose plans are not made from an index snapshot (the leverage route): it reads what its plans
    were made from, and says what moved, itself."""

    def read_now(self, connection, signers: Mapping[str, str]) -> ChainNow:
        """The chain now; `signers` (role -> address) for roles held by whoever the contract allows (keepers)."""

    def state_changes(self, planned: Mapping, current: Mapping, tolerance_bps: float) -> list[str]:
        """One line per difference that makes the plan stale."""
