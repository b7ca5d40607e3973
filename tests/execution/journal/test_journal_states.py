"""The journal's state machine against a plain model, over random legal and illegal calls.

The model below restates the rules from scratch (steps in order; fee bumps only with the same
sender and nonce; `mined`/`replaced` final; consumed nonces never reused; only pending attempts
move; a receipt replaces the other pending attempts of its step). Every call the model allows
must succeed, every other call must be refused with one line and change nothing; after every
call the journal must hold exactly what the model holds, across close and reopen, and its event
log must only ever grow.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from indexops.execution.journal import Journal
from indexops.execution.journal.errors import JournalError, UnreconciledSteps
from tests.execution.journal.journal_helpers import CHAIN_ID, GENESIS, PLAN, PLAN_B, Clock, Signed, signed

PLANS = (PLAN, PLAN_B)
STEPS = 3
PENDING = ("signing", "sent")
KINDS = ("sent", "mined", "reverted", "failed", "replaced", "dropped")
FOREIGN_TX = "0x" + "99" * 32

plans = st.sampled_from(PLANS)
nonces = st.integers(0, 5)
variants = st.integers(0, 2)


@dataclass
class ModelAttempt:
    tx: Signed
    state: str = "signing"
    receipt: bool = False


class JournalMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="indexops-journal-states-"))
        self.clock = Clock()
        self.journal = self._open()
        self.model: dict[tuple[str, int], list[ModelAttempt]] = {}
        self.used: set[str] = set()
        self.block = 100
        self.events_expected = len(PLANS)  # the run-started events
        self.events_seen: list[tuple[int, str, str | None]] = []

    def _open(self) -> Journal:
        journal = Journal.open(self.dir / "journal.sqlite3", clock=self.clock)
        for plan in PLANS:
            journal.begin_run(plan, "dpi", "mainnet", CHAIN_ID, "plans/dpi.json", chain_genesis=GENESIS)
            journal.acquire(plan)
        return journal

    def teardown(self) -> None:
        self.journal.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- the model ------------------------------------------------------------------------

    def attempts(self, plan: str, step: int) -> list[ModelAttempt]:
        return self.model.get((plan, step), [])

    def state(self, plan: str, step: int) -> str:
        attempts = self.attempts(plan, step)
        if not attempts:
            return "planned"
        states = {a.state for a in attempts}
        for state in ("mined", "sent", "signing"):
            if state in states:
                return state
        return attempts[-1].state

    def next_index(self, plan: str) -> int:
        return next((i for i in range(STEPS) if self.state(plan, i) != "mined"), STEPS - 1)

    def may_sign(self, plan: str, step: int, tx: Signed) -> bool:
        if tx.tx_hash in self.used or self.state(plan, step) in ("mined", "replaced"):
            return False
        if any(a.state in PENDING and (a.tx.sender, a.tx.nonce) != (tx.sender, tx.nonce)
               for a in self.attempts(plan, step)):
            return False
        if any(self.state(plan, earlier) != "mined" for earlier in range(step)):
            return False
        for (other_plan, other_step), attempts in self.model.items():
            for a in attempts:
                if (a.tx.sender, a.tx.nonce) != (tx.sender, tx.nonce):
                    continue
                if a.receipt or a.state in ("mined", "replaced"):
                    return False
                if a.state in PENDING and (other_plan, other_step) != (plan, step):
                    return False
        return True

    # ---- rules ----------------------------------------------------------------------------

    def _sign(self, plan: str, step: int, nonce: int, variant: int, other: bool) -> None:
        tx = signed(nonce, variant, other=other)
        call = lambda: self.journal.record_signed(plan, step, **tx.args())  # noqa: E731
        if self.may_sign(plan, step, tx):
            result = call()
            self.model.setdefault((plan, step), []).append(ModelAttempt(tx))
            self.used.add(tx.tx_hash)
            self.events_expected += 1
            assert result.state == self.state(plan, step)
            event("sign allowed" + (" (fee bump)" if len(self.attempts(plan, step)) > 1 else ""))
        else:
            self._refused(call)
            event("sign refused")

    @rule(plan=plans, step=st.integers(0, STEPS - 1), nonce=nonces, variant=variants, other=st.booleans())
    def sign_any(self, plan, step, nonce, variant, other):
        self._sign(plan, step, nonce, variant, other)

    @rule(plan=plans, nonce=nonces, variant=variants, other=st.booleans())
    def sign_next(self, plan, nonce, variant, other):
        self._sign(plan, self.next_index(plan), nonce, variant, other)

    @rule(plan=plans, step=st.integers(0, STEPS - 1), kind=st.sampled_from(KINDS), pick=st.none() | st.integers(0, 7))
    def move_any(self, plan, step, kind, pick):
        self._move(plan, step, kind, pick)

    @rule(plan=plans, kind=st.sampled_from(KINDS), pick=st.none() | st.integers(0, 7))
    def move_next(self, plan, kind, pick):
        self._move(plan, self.next_index(plan), kind, pick)

    def _move(self, plan: str, step: int, kind: str, pick: int | None) -> None:
        attempts = self.attempts(plan, step)
        tx_hash = None
        target = None
        if attempts and pick is not None:
            target = attempts[pick % len(attempts)]
            tx_hash = target.tx.tx_hash
        elif attempts:
            pending = [a for a in attempts if a.state in PENDING]
            target = pending[-1] if pending else attempts[-1]
        call = self._call(plan, step, kind, tx_hash)
        if target is None or target.state not in PENDING:
            self._refused(call)
            event("move refused")
            return
        event(f"{kind} allowed")
        result = call()
        self.events_expected += 1
        if kind in ("mined", "reverted"):
            target.state, target.receipt = ("mined" if kind == "mined" else "failed"), True
            for sibling in attempts:
                if sibling is not target and sibling.state in PENDING:
                    sibling.state = "replaced"
                    self.events_expected += 1
        else:
            target.state = kind
        assert result.state == self.state(plan, step)

    def _call(self, plan: str, step: int, kind: str, tx_hash: str | None):
        journal = self.journal
        if kind == "sent":
            return lambda: journal.record_sent(plan, step, tx_hash=tx_hash)
        if kind in ("mined", "reverted"):
            self.block += 1
            block, status = self.block, 1 if kind == "mined" else 0
            return lambda: journal.record_mined(plan, step, block, 60_000, status, {"block": block}, tx_hash=tx_hash)
        if kind == "failed":
            return lambda: journal.record_failed(plan, step, "rejected by the node", tx_hash=tx_hash)
        if kind == "replaced":
            return lambda: journal.record_replaced(plan, step, by_tx_hash=FOREIGN_TX, tx_hash=tx_hash)
        return lambda: journal.record_dropped(plan, step, tx_hash=tx_hash)

    def _refused(self, call) -> None:
        with pytest.raises(JournalError) as caught:
            call()
        assert str(caught.value) and "\n" not in str(caught.value)

    @rule()
    def reopen(self):
        self.journal.close()
        self.journal = self._open()

    # ---- what must always hold ------------------------------------------------------------

    @invariant()
    def journal_holds_the_model(self):
        for plan in PLANS:
            held = {
                s.index: (s.state.value, [(a.tx_hash, a.state.value) for a in s.attempts])
                for s in self.journal.steps(plan)
            }
            wanted = {
                step: (self.state(plan, step), [(a.tx.tx_hash, a.state) for a in attempts])
                for (p, step), attempts in self.model.items()
                if p == plan and attempts
            }
            assert held == wanted
            pending = sorted(step for (p, step), a in self.model.items() if p == plan and self.state(p, step) in PENDING)
            assert [s.index for s in self.journal.pending(plan)] == pending
            if pending:
                with pytest.raises(UnreconciledSteps):
                    self.journal.next_step(plan, STEPS)
            else:
                unmined = [i for i in range(STEPS) if self.state(plan, i) != "mined"]
                assert self.journal.next_step(plan, STEPS) == (unmined[0] if unmined else None)

    @invariant()
    def event_log_only_grows(self):
        event(f"mined steps: {sum(self.state(p, i) == 'mined' for p in PLANS for i in range(STEPS))}")
        events = [(e.seq, e.kind, e.tx_hash) for e in self.journal.events()]
        assert len(events) == self.events_expected
        assert events[: len(self.events_seen)] == self.events_seen
        self.events_seen = events


JournalMachine.TestCase.settings = settings(
    max_examples=80,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestJournalStates = JournalMachine.TestCase
