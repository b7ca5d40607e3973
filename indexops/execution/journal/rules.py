"""The journal's rules, as plain functions over what it holds: no SQL, no clock, no I/O.

- A plan's steps are signed in order: step k only after steps 0..k-1 are done (`mined`, or
  `external`: done outside this executor).
- A step becomes `external` only from `planned`, `failed` or `dropped` (nothing in flight), and
  only after the steps before it are done; `external` is final.
- A step with a transaction in flight may only be signed again with the *same* sender and
  nonce (a fee bump or cancel: whichever mines, the others are replaced); anything else waits
  for reconciliation.
- `mined`, `replaced` and `external` steps are final; `failed` and `dropped` ones may be signed again.
- A nonce the chain has consumed (an attempt that mined, reverted or was replaced) is never
  journaled again for that sender and chain, and a nonce in flight for one step is not used by
  another step of any plan.
- Only a pending attempt (`signing`/`sent`) changes state; `sent` -> `sent` is a rebroadcast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from indexops.execution.journal.errors import (
    IllegalTransition,
    InvalidJournalValue,
    JournalPlanMismatch,
    NonceUsed,
    StepInFlight,
    StepOutOfOrder,
    StepReplaced,
    UnreconciledSteps,
    one_line,
)
from indexops.execution.journal.model import (
    RETRYABLE,
    TRANSITIONS,
    Attempt,
    JournalStep,
    StepState,
)

_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
MAX_SQL_INT = 2**63 - 1
MAX_REASON = 500


# ---- values -----------------------------------------------------------------------------


def hash32(value: object, what: str) -> str:
    if not isinstance(value, str) or not _HASH.fullmatch(value):
        raise InvalidJournalValue(what, f"expected 0x followed by 64 hex digits, got {value!r}")
    return value.lower()


def address(value: object, what: str) -> str:
    from eth_utils import to_checksum_address

    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise InvalidJournalValue(what, f"expected 0x followed by 40 hex digits, got {value!r}")
    return to_checksum_address(value)


def uint(value: object, what: str, *, limit: int | None = MAX_SQL_INT) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidJournalValue(what, f"expected a whole number >= 0, got {value!r}")
    if limit is not None and value > limit:
        raise InvalidJournalValue(what, f"{value} is larger than the journal stores ({limit})")
    return int(value)


def positive(value: object, what: str) -> int:
    number = uint(value, what)
    if number == 0:
        raise InvalidJournalValue(what, "must be at least 1")
    return number


def text(value: object, what: str, *, limit: int = MAX_REASON) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidJournalValue(what, f"expected some text, got {value!r}")
    line = one_line(value)
    return line if len(line) <= limit else line[: limit - 3] + "..."


def moment(value: object, what: str = "time") -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidJournalValue(what, f"expected a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


# ---- signing a step ---------------------------------------------------------------------


def check_new_attempt(
    plan_hash: str,
    step_index: int,
    steps: Mapping[int, JournalStep],
    sender: str,
    nonce: int,
    same_nonce: Iterable[tuple[str, int, Attempt]],
) -> None:
    """Refuse a new signed transaction for a step unless every rule allows it.

    `steps` are the plan's journaled steps by index; `same_nonce` every journaled attempt (any
    plan) from `sender` on the run's chain with this nonce, with its plan hash and step index.
    """
    step = steps.get(step_index)
    state = step.state if step is not None else StepState.PLANNED
    if state is StepState.MINED:
        raise IllegalTransition(plan_hash, step_index, state, StepState.SIGNING, "it is done")
    if state is StepState.EXTERNAL:
        raise IllegalTransition(plan_hash, step_index, state, StepState.SIGNING, "it was done outside this executor")
    if step is not None and state is StepState.REPLACED:  # an unjournaled step is PLANNED
        last = step.attempts[-1]
        raise StepReplaced(plan_hash, step_index, last.nonce, last.replaced_by)
    if step is not None and step.in_flight:
        for attempt in step.in_flight:
            if attempt.sender != sender or attempt.nonce != nonce:
                raise StepInFlight(
                    plan_hash, step_index, attempt.tx_hash, attempt.nonce, "signing it with another sender or nonce"
                )
    _check_earlier_done(plan_hash, step_index, steps)
    for other_plan, other_step, attempt in same_nonce:
        if attempt.state is StepState.REPLACED:
            raise NonceUsed(sender, nonce, attempt.tx_hash, other_plan, other_step, "was used by the replacement of")
        if attempt.uses_nonce:
            raise NonceUsed(sender, nonce, attempt.tx_hash, other_plan, other_step, "was used by")
        if attempt.pending and (other_plan, other_step) != (plan_hash, step_index):
            raise NonceUsed(sender, nonce, attempt.tx_hash, other_plan, other_step, "is in flight as")


def check_external(plan_hash: str, step_index: int, steps: Mapping[int, JournalStep]) -> None:
    """Refuse to journal the step as done outside this executor unless every rule allows it."""
    step = steps.get(step_index)
    state = step.state if step is not None else StepState.PLANNED
    if state is not StepState.PLANNED and state not in RETRYABLE:
        if step is not None and step.in_flight:
            attempt = step.in_flight[-1]
            raise StepInFlight(plan_hash, step_index, attempt.tx_hash, attempt.nonce, "recording it as done elsewhere")
        raise IllegalTransition(plan_hash, step_index, state, StepState.EXTERNAL)
    _check_earlier_done(plan_hash, step_index, steps, "done")


def _check_earlier_done(
    plan_hash: str, step_index: int, steps: Mapping[int, JournalStep], verb: str = "signed"
) -> None:
    for earlier in range(step_index):
        before = steps.get(earlier)
        if before is None or not before.done:
            raise StepOutOfOrder(plan_hash, step_index, earlier, before.state if before else StepState.PLANNED, verb)


def target_attempt(
    plan_hash: str, step: JournalStep | None, step_index: int, wanted: StepState, tx_hash: str | None
) -> tuple[JournalStep, Attempt]:
    """The journaled step and the attempt a `record_*` call moves to `wanted`: the one with `tx_hash`, else the
    last pending one."""
    if step is None or not step.attempts:
        raise IllegalTransition(plan_hash, step_index, StepState.PLANNED, wanted, "nothing was signed for it")
    if tx_hash is not None:
        matches = [a for a in step.attempts if a.tx_hash == tx_hash]
        if not matches:
            raise InvalidJournalValue("tx_hash", f"{tx_hash} is not a transaction journaled for step {step_index}")
        attempt = matches[0]
    else:
        pending = step.in_flight
        attempt = pending[-1] if pending else step.attempts[-1]
    if wanted not in TRANSITIONS[attempt.state]:
        current = attempt.state if len(step.attempts) == 1 else f"{attempt.state} (attempt {attempt.number})"
        raise IllegalTransition(plan_hash, step_index, current, wanted)
    return step, attempt


# ---- resuming ---------------------------------------------------------------------------


def next_step(plan_hash: str, steps: Iterable[JournalStep], total_steps: int) -> int | None:
    """The first step of the plan that is not done, or None when all are; refuses while any is pending."""
    steps = sorted(steps, key=lambda s: s.index)
    pending = [s for s in steps if s.in_flight]
    if pending:
        first = pending[0]
        attempt = first.in_flight[-1]
        raise UnreconciledSteps(plan_hash, first.index, first.state, attempt.tx_hash, attempt.nonce, len(pending) - 1)
    beyond = [s.index for s in steps if s.index >= total_steps]
    if beyond:
        raise JournalPlanMismatch(plan_hash, beyond[0], total_steps)
    done = {s.index for s in steps if s.done}
    for index in range(total_steps):
        if index not in done:
            return index
    return None
