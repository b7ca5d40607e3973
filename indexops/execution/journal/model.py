"""What the journal returns: runs, steps, attempts and events as frozen values, and the state rules.

A step is `planned` until its first transaction is signed. Each signed transaction for a step is
one *attempt* (numbered from 1) with its own state:

    signing ──▶ sent ──▶ mined | failed | replaced | dropped
       └──────────────▶ mined | failed | replaced | dropped      (sent ──▶ sent is a rebroadcast)

`signing` means journaled but not known to be broadcast (a crash may have come either side of
the broadcast); both `signing` and `sent` attempts are *pending*: only the chain can say what
became of them. A receipt with status 0 makes the attempt `failed` (reverted, nonce used).

The step's state follows from its attempts: `mined` if one mined; else `sent`/`signing` while
one is pending; else the state of the last attempt. After `failed` or `dropped` the step may be
signed again (a new attempt); `mined` and `replaced` are final.

A step may instead be done outside this executor (a Safe executed it): it is then `external`,
final, with no attempt of its own; `planned`, `failed` and `dropped` steps may become `external`.
`mined` and `external` steps are *done*: both count for the order of steps and for `next_step`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any


class StepState(StrEnum):
    PLANNED = "planned"
    SIGNING = "signing"
    SENT = "sent"
    MINED = "mined"
    FAILED = "failed"
    REPLACED = "replaced"
    DROPPED = "dropped"
    EXTERNAL = "external"  # done outside this executor (a step-level state: no attempt has it)


PENDING = frozenset({StepState.SIGNING, StepState.SENT})
RETRYABLE = frozenset({StepState.FAILED, StepState.DROPPED})
DONE = frozenset({StepState.MINED, StepState.EXTERNAL})
ATTEMPT_STATES = tuple(s for s in StepState if s not in (StepState.PLANNED, StepState.EXTERNAL))

# attempt state -> the states it may move to (the step-level "planned -> signing" and
# "failed/dropped -> signing" are new attempts, checked in `rules`)
TRANSITIONS: dict[StepState, frozenset[StepState]] = {
    StepState.SIGNING: frozenset(
        {StepState.SENT, StepState.MINED, StepState.FAILED, StepState.REPLACED, StepState.DROPPED}
    ),
    StepState.SENT: frozenset(
        {StepState.SENT, StepState.MINED, StepState.FAILED, StepState.REPLACED, StepState.DROPPED}
    ),
    StepState.MINED: frozenset(),
    StepState.FAILED: frozenset(),
    StepState.REPLACED: frozenset(),
    StepState.DROPPED: frozenset(),
}


@dataclass(frozen=True)
class Attempt:
    """One signed transaction for a step. `raw_tx` is the exact bytes a rebroadcast sends."""

    number: int
    state: StepState
    sender: str
    nonce: int
    tx_hash: str
    raw_tx: bytes = field(repr=False)
    max_fee_per_gas: int
    gas_limit: int
    signed_at: datetime
    sent_at: datetime | None = None
    finished_at: datetime | None = None
    block_number: int | None = None
    gas_used: int | None = None
    status: int | None = None
    effective_gas_price: int | None = None
    fills_json: str | None = None
    reason: str | None = None
    replaced_by: str | None = None

    @property
    def pending(self) -> bool:
        return self.state in PENDING

    @property
    def fills(self) -> dict[str, Any] | None:
        """The fills recorded with the receipt (a fresh dict each time), or None."""
        return None if self.fills_json is None else json.loads(self.fills_json)

    @property
    def uses_nonce(self) -> bool:
        """Whether the chain has consumed this attempt's nonce (by it or by a replacement)."""
        return self.block_number is not None or self.state in (StepState.MINED, StepState.REPLACED)


@dataclass(frozen=True)
class External:
    """A step done outside this executor: when it was journaled, the transaction if known, and why."""

    recorded_at: datetime
    detail: str
    tx_hash: str | None = None


@dataclass(frozen=True)
class JournalStep:
    plan_hash: str
    index: int
    state: StepState
    attempts: tuple[Attempt, ...] = ()
    external: External | None = None

    @property
    def done(self) -> bool:
        """Mined by this executor or done outside it: later steps may go."""
        return self.state in DONE

    @property
    def in_flight(self) -> tuple[Attempt, ...]:
        """The pending attempts: what reconciliation must look up on the chain (by hash and nonce)."""
        return tuple(a for a in self.attempts if a.pending)

    @property
    def current(self) -> Attempt | None:
        """The attempt that mined, else the last pending one, else the last one; None when planned."""
        for attempt in self.attempts:
            if attempt.state is StepState.MINED:
                return attempt
        pending = self.in_flight
        if pending:
            return pending[-1]
        return self.attempts[-1] if self.attempts else None

    @property
    def tx_hashes(self) -> tuple[str, ...]:
        return tuple(a.tx_hash for a in self.attempts)


@dataclass(frozen=True)
class JournalRun:
    plan_hash: str
    product: str
    network: str
    chain_id: int
    plan_path: Path
    started_at: datetime
    steps: tuple[JournalStep, ...] = ()
    chain_genesis: str | None = None  # block 0 of the chain the run was sent to; None if journaled before it was kept

    @property
    def mined_steps(self) -> int:
        return sum(1 for s in self.steps if s.state is StepState.MINED)

    @property
    def done_steps(self) -> int:
        return sum(1 for s in self.steps if s.done)


@dataclass(frozen=True)
class JournalEvent:
    """One line of a plan's history; `seq` orders events across the whole journal."""

    seq: int
    plan_hash: str
    at: datetime
    kind: str
    step_index: int | None
    attempt: int | None
    tx_hash: str | None
    detail: str


def step_state(attempts: Iterable[Attempt], external: External | None = None) -> StepState:
    if external is not None:
        return StepState.EXTERNAL
    attempts = tuple(attempts)
    if not attempts:
        return StepState.PLANNED
    states = {a.state for a in attempts}
    for state in (StepState.MINED, StepState.SENT, StepState.SIGNING):
        if state in states:
            return state
    return attempts[-1].state
