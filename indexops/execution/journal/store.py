"""The execution journal: what was signed, sent and mined for each plan, so `execute` never sends
a trade twice and resumes where it stopped.

The executor's protocol for each step, under `with journal.acquire(plan_hash):`

1. pick the nonce and sign the transaction;
2. `record_signed(...)` - nonce, hash, sender, fees and the raw signed bytes, committed to disk
   *before* anything is broadcast;
3. broadcast, then `record_sent(...)`;
4. wait for the receipt, then `record_mined(...)` (status 0 records `failed`) or `record_failed(...)`.

A step that something else executed (a Safe, after checking its effect on chain) is journaled with
`record_external(...)` instead: state `external`, final, done for ordering and `next_step`.

On restart, every step `pending(plan_hash)` lists (state `signing` or `sent`) is reconciled
against the chain by the hashes and nonces of its attempts (`step.in_flight`): mined, dropped,
or replaced by another transaction with the same nonce; `next_step` refuses until that is done.
A `signing` attempt may have reached the chain or not: rebroadcasting its `raw_tx` is safe, it is
the same transaction.

The journal holds no key, password or seed: its API takes none, and the raw transaction must
decode as a signed transaction whose hash, sender, nonce and fees are the ones given.
Every `record_*` call is one SQLite transaction, committed (WAL, `synchronous=FULL`) before it
returns, and returns the step as committed. Writes for a plan need this journal to hold the
plan's lock (`acquire`); reads do not.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from indexops.execution.journal import rules as rules
from indexops.execution.journal.errors import (
    DuplicateTransaction,
    InvalidJournalValue,
    JournalUnusable,
    JournalWriteFailed,
    PlanNotLocked,
    RunMismatch,
    RunNotStarted,
    SignedTxMismatch,
    short,
)
from indexops.execution.journal.lock import PlanLock, take
from indexops.execution.journal.model import (
    Attempt,
    External,
    JournalEvent,
    JournalRun,
    JournalStep,
    StepState,
    step_state,
)
from indexops.execution.journal.schema import connect
from indexops.execution.journal.tx import decode_signed, raw_bytes

JOURNAL_FILE = "journal.sqlite3"

Clock = Callable[[], datetime]

_ATTEMPT_COLUMNS = (
    "plan_hash, step_index, attempt, state, sender, nonce, tx_hash, raw_tx, max_fee_per_gas, gas_limit, "
    "signed_at, sent_at, finished_at, block_number, gas_used, status, effective_gas_price, fills, reason, replaced_by"
)
_RUN_COLUMNS = "plan_hash, product, network, chain_id, plan_path, started_at, chain_genesis"


def default_journal_path(data_dir: Path | None = None) -> Path:
    """`<data_dir>/journal.sqlite3`; the data dir defaults to the user's indexops data dir."""
    if data_dir is None:
        from indexops.paths import user_data_dir

        data_dir = user_data_dir()
    return Path(data_dir) / JOURNAL_FILE


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Journal:
    """One open journal file. Not shared between threads or across fork."""

    def __init__(self, path: Path, conn: sqlite3.Connection, clock: Clock):
        self.path = path
        self._conn = conn
        self._clock = clock
        self._locks: dict[str, PlanLock] = {}

    # ---- opening and locking ---------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, clock: Clock | None = None) -> Journal:
        """Open (or create, with its folders) the journal at `path`; refuses a newer schema."""
        path = Path(path)
        return cls(path, connect(path), clock or _utc_now)

    def close(self) -> None:
        for lock in list(self._locks.values()):
            lock.release()
        self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def acquire(self, plan_hash: str) -> PlanLock:
        """Take the plan's exclusive lock now (PlanLocked if a live process holds it); a context manager."""
        plan_hash = rules.hash32(plan_hash, "plan hash")
        lock = take(self.path, plan_hash, self._now(None))
        self._locks[plan_hash] = lock

        def forget(released: PlanLock) -> None:
            self._locks.pop(released.plan_hash, None)

        lock.on_release(forget)
        return lock

    # ---- runs ------------------------------------------------------------------------------

    def begin_run(
        self,
        plan_hash: str,
        product: str,
        network: str,
        chain_id: int,
        plan_path: Path | str,
        *,
        chain_genesis: str,
        at: datetime | None = None,
    ) -> JournalRun:
        """The plan's run, started now if new; the existing run (and its steps) if the plan was begun before.

        `chain_genesis` is the hash of the chain's block 0: it tells this chain from another instance of
        the same chain id (a sandbox started again), whose transactions are not this chain's.
        """
        plan_hash = rules.hash32(plan_hash, "plan hash")
        product = rules.text(product, "product", limit=200)
        network = rules.text(network, "network", limit=200)
        chain_id = rules.positive(chain_id, "chain id")
        chain_genesis = rules.hash32(chain_genesis, "chain genesis hash")
        path_text = str(Path(plan_path).expanduser().absolute())
        moment = self._now(at)
        with self._write() as conn:
            row = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE plan_hash = ?", (plan_hash,)).fetchone()
            if row is not None:
                recorded_genesis = row[6] or chain_genesis  # a run journaled before genesis hashes were kept
                for field, recorded, given in (
                    ("chain id", row[3], chain_id),
                    ("product", row[1], product),
                    ("network", row[2], network),
                    ("chain genesis block", recorded_genesis, chain_genesis),
                ):
                    if recorded != given:
                        raise RunMismatch(plan_hash, field, recorded, given)
            else:
                conn.execute(
                    f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (plan_hash, product, network, chain_id, path_text, moment.isoformat(), chain_genesis),
                )
                detail = (
                    f"started plan {short(plan_hash)} ({product} on {network}, chain {chain_id}, genesis "
                    f"{short(chain_genesis)}) from {path_text}"
                )
                self._event(conn, plan_hash, moment, "run-started", None, None, None, detail)
            return self._run_in(conn, plan_hash)

    def run(self, plan_hash: str) -> JournalRun | None:
        plan_hash = rules.hash32(plan_hash, "plan hash")
        with self._read() as conn:
            return self._run_or_none(conn, plan_hash)

    def runs(self) -> list[JournalRun]:
        """Every run in the journal, oldest first, with its journaled steps."""
        with self._read() as conn:
            hashes = [r[0] for r in conn.execute("SELECT plan_hash FROM runs ORDER BY started_at, rowid")]
            return [self._run_in(conn, h) for h in hashes]

    # ---- steps -----------------------------------------------------------------------------

    def steps(self, plan_hash: str) -> list[JournalStep]:
        """The plan's journaled steps by index; a step not listed is still `planned`."""
        plan_hash = rules.hash32(plan_hash, "plan hash")
        with self._read() as conn:
            return list(self._steps_in(conn, plan_hash).values())

    def step(self, plan_hash: str, step_index: int) -> JournalStep:
        plan_hash = rules.hash32(plan_hash, "plan hash")
        step_index = rules.uint(step_index, "step index")
        with self._read() as conn:
            return self._step_in(conn, plan_hash, step_index)

    def pending(self, plan_hash: str) -> list[JournalStep]:
        """Steps with an attempt in `signing` or `sent`: reconcile these before sending anything new."""
        return [s for s in self.steps(plan_hash) if s.in_flight]

    def next_step(self, plan_hash: str, total_steps: int) -> int | None:
        """The index to execute next (the first step not done), None when all are mined or `external`.

        Refuses while a step is pending (UnreconciledSteps); the step returned may be `failed` or
        `dropped` (sign it again) or `replaced` (which `record_signed` refuses: a person decides).
        """
        total_steps = rules.uint(total_steps, "total steps")
        return rules.next_step(plan_hash, self.steps(plan_hash), total_steps)

    def tx_hashes(self, plan_hash: str, step_index: int) -> list[str]:
        """Every transaction hash journaled for the step, first attempt first."""
        return list(self.step(plan_hash, step_index).tx_hashes)

    def events(self, plan_hash: str | None = None) -> list[JournalEvent]:
        """The append-only history, oldest first: of one plan, or of the whole journal."""
        query = "SELECT seq, plan_hash, at, kind, step_index, attempt, tx_hash, detail FROM events"
        params: tuple[Any, ...] = ()
        if plan_hash is not None:
            query += " WHERE plan_hash = ?"
            params = (rules.hash32(plan_hash, "plan hash"),)
        with self._read() as conn:
            rows = conn.execute(query + " ORDER BY seq", params).fetchall()
        return [
            JournalEvent(
                seq=r[0],
                plan_hash=r[1],
                at=datetime.fromisoformat(r[2]),
                kind=r[3],
                step_index=r[4],
                attempt=r[5],
                tx_hash=r[6],
                detail=r[7],
            )
            for r in rows
        ]

    # ---- recording -------------------------------------------------------------------------

    def record_signed(
        self,
        plan_hash: str,
        step_index: int,
        sender: str,
        nonce: int,
        tx_hash: str,
        raw_tx: bytes | str,
        max_fee_per_gas: int,
        gas_limit: int,
        *,
        at: datetime | None = None,
    ) -> JournalStep:
        """Journal a signed transaction for the step (a new attempt, state `signing`) before it is broadcast."""
        plan_hash, step_index = self._locked(plan_hash, step_index)
        sender = rules.address(sender, "sender")
        nonce = rules.uint(nonce, "nonce")
        tx_hash = rules.hash32(tx_hash, "tx hash")
        max_fee_per_gas = rules.uint(max_fee_per_gas, "max fee per gas", limit=None)
        gas_limit = rules.uint(gas_limit, "gas limit")
        raw = raw_bytes(raw_tx)
        signed = decode_signed(raw)
        for what, given, inside in (
            ("hash", tx_hash, signed.tx_hash),
            ("sender", sender, signed.sender),
            ("nonce", nonce, signed.nonce),
            ("max fee per gas", max_fee_per_gas, signed.max_fee_per_gas),
            ("gas limit", gas_limit, signed.gas_limit),
        ):
            if given != inside:
                raise SignedTxMismatch(what, given, inside)
        moment = self._now(at)
        with self._write() as conn:
            run = self._run_row(conn, plan_hash)
            if signed.chain_id != run[3]:
                raise SignedTxMismatch("chain id", run[3], signed.chain_id)
            same_chain, chains = _same_chain_instance(run[6])
            duplicate = conn.execute(
                "SELECT plan_hash, step_index, attempt, chain_genesis FROM attempts "
                f"WHERE tx_hash = ? AND {same_chain}",
                (tx_hash, *chains),
            ).fetchone()
            if duplicate is not None:
                raise DuplicateTransaction(
                    tx_hash, duplicate[0], duplicate[1], duplicate[2], chain_unknown=duplicate[3] == ""
                )
            steps = self._steps_in(conn, plan_hash)
            same_nonce = [
                self._attempt_row(r)
                for r in conn.execute(
                    f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE chain_id = ? AND sender = ? AND nonce = ? "
                    f"AND {same_chain}",
                    (run[3], sender, nonce, *chains),
                )
            ]
            rules.check_new_attempt(plan_hash, step_index, steps, sender, nonce, same_nonce)
            current = steps.get(step_index)
            number = len(current.attempts) + 1 if current is not None else 1
            conn.execute(
                "INSERT INTO attempts (plan_hash, step_index, attempt, state, chain_id, chain_genesis, sender, nonce,"
                " tx_hash, raw_tx, max_fee_per_gas, gas_limit, signed_at)"
                " VALUES (?, ?, ?, 'signing', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    plan_hash,
                    step_index,
                    number,
                    run[3],
                    run[6],
                    sender,
                    nonce,
                    tx_hash,
                    raw,
                    str(max_fee_per_gas),
                    gas_limit,
                    moment.isoformat(),
                ),
            )
            bumping = current is not None and current.in_flight
            bump = " (replaces the one in flight with the same nonce)" if bumping else ""
            self._event(
                conn,
                plan_hash,
                moment,
                "signed",
                step_index,
                number,
                tx_hash,
                f"step {step_index} attempt {number} signed: nonce {nonce} from {sender}, "
                f"max fee {_gwei(max_fee_per_gas)}, gas limit {gas_limit}{bump}",
            )
            return self._step_in(conn, plan_hash, step_index)

    def record_sent(
        self, plan_hash: str, step_index: int, *, tx_hash: str | None = None, at: datetime | None = None
    ) -> JournalStep:
        """The node accepted the broadcast (again, if already `sent`: a rebroadcast)."""
        return self._move(plan_hash, step_index, StepState.SENT, tx_hash, at, {})

    def record_mined(
        self,
        plan_hash: str,
        step_index: int,
        block_number: int,
        gas_used: int,
        status: int,
        fills: dict[str, Any],
        *,
        tx_hash: str | None = None,
        effective_gas_price: int | None = None,
        at: datetime | None = None,
    ) -> JournalStep:
        """The receipt: status 1 makes the attempt `mined`, status 0 `failed` (reverted, nonce used).

        Other pending attempts of the step (same nonce) become `replaced` by this one.
        """
        block_number = rules.uint(block_number, "block number")
        gas_used = rules.uint(gas_used, "gas used")
        if isinstance(status, bool) or status not in (0, 1):
            raise InvalidJournalValue("status", f"expected 0 or 1 as in a receipt, got {status!r}")
        fills_json = _fills_json(fills)
        if effective_gas_price is not None:
            effective_gas_price = rules.uint(effective_gas_price, "effective gas price", limit=None)
        wanted = StepState.MINED if status == 1 else StepState.FAILED
        values = {
            "block_number": block_number,
            "gas_used": gas_used,
            "status": status,
            "fills": fills_json,
            "effective_gas_price": None if effective_gas_price is None else str(effective_gas_price),
        }
        if status == 0:
            values["reason"] = f"reverted in block {block_number}"
        return self._move(plan_hash, step_index, wanted, tx_hash, at, values)

    def record_failed(
        self, plan_hash: str, step_index: int, reason: str, *, tx_hash: str | None = None, at: datetime | None = None
    ) -> JournalStep:
        """The transaction will not execute (e.g. the node refused it); the step may be signed again."""
        values = {"reason": rules.text(reason, "reason")}
        return self._move(plan_hash, step_index, StepState.FAILED, tx_hash, at, values)

    def record_replaced(
        self,
        plan_hash: str,
        step_index: int,
        *,
        by_tx_hash: str | None = None,
        tx_hash: str | None = None,
        at: datetime | None = None,
    ) -> JournalStep:
        """Another transaction (not journaled for this step) used the nonce; final for the step."""
        by = None if by_tx_hash is None else rules.hash32(by_tx_hash, "replacing tx hash")
        return self._move(plan_hash, step_index, StepState.REPLACED, tx_hash, at, {"replaced_by": by})

    def record_external(
        self,
        plan_hash: str,
        step_index: int,
        detail: str,
        *,
        tx_hash: str | None = None,
        at: datetime | None = None,
    ) -> JournalStep:
        """The step was done outside this executor (e.g. by a Safe), as `detail` says; `tx_hash` if known. Final."""
        plan_hash, step_index = self._locked(plan_hash, step_index)
        detail = rules.text(detail, "detail")
        if tx_hash is not None:
            tx_hash = rules.hash32(tx_hash, "tx hash")
        moment = self._now(at)
        with self._write() as conn:
            self._run_row(conn, plan_hash)
            rules.check_external(plan_hash, step_index, self._steps_in(conn, plan_hash))
            conn.execute(
                "INSERT INTO externals (plan_hash, step_index, tx_hash, recorded_at, detail) VALUES (?, ?, ?, ?, ?)",
                (plan_hash, step_index, tx_hash, moment.isoformat(), detail),
            )
            where = f"in {tx_hash}" if tx_hash else "no transaction hash given"
            self._event(
                conn,
                plan_hash,
                moment,
                "external",
                step_index,
                None,
                tx_hash,
                f"step {step_index} done outside this executor ({where}): {detail}",
            )
            return self._step_in(conn, plan_hash, step_index)

    def record_dropped(
        self, plan_hash: str, step_index: int, *, tx_hash: str | None = None, at: datetime | None = None
    ) -> JournalStep:
        """The transaction left the mempool and its nonce is unused; the step may be signed again."""
        return self._move(plan_hash, step_index, StepState.DROPPED, tx_hash, at, {})

    # ---- internals -------------------------------------------------------------------------

    def _move(
        self,
        plan_hash: str,
        step_index: int,
        wanted: StepState,
        tx_hash: str | None,
        at: datetime | None,
        values: dict[str, Any],
    ) -> JournalStep:
        plan_hash, step_index = self._locked(plan_hash, step_index)
        if tx_hash is not None:
            tx_hash = rules.hash32(tx_hash, "tx hash")
        moment = self._now(at)
        with self._write() as conn:
            self._run_row(conn, plan_hash)
            step, attempt = rules.target_attempt(
                plan_hash, self._steps_in(conn, plan_hash).get(step_index), step_index, wanted, tx_hash
            )
            if values.get("gas_used") is not None and values["gas_used"] > attempt.gas_limit:
                raise InvalidJournalValue(
                    "gas used", f"{values['gas_used']} is more than the transaction's gas limit {attempt.gas_limit}"
                )
            if wanted is StepState.REPLACED and values.get("replaced_by") in step.tx_hashes:
                raise InvalidJournalValue(
                    "by_tx_hash", "is a transaction journaled for this step: record that one as mined instead"
                )
            if wanted is StepState.SENT:
                kind = "rebroadcast" if attempt.state is StepState.SENT else "sent"
                first_sent = attempt.sent_at or moment
                sets = {"state": wanted.value, "sent_at": first_sent.isoformat()}
            else:
                kind = "reverted" if values.get("status") == 0 else wanted.value
                sets = {"state": wanted.value, "finished_at": moment.isoformat(), **values}
            self._update(conn, plan_hash, step_index, attempt.number, sets)
            self._event(
                conn,
                plan_hash,
                moment,
                kind,
                step_index,
                attempt.number,
                attempt.tx_hash,
                _describe(kind, step_index, attempt, sets),
            )
            if wanted is StepState.MINED or values.get("block_number") is not None:
                for sibling in step.in_flight:
                    if sibling.number == attempt.number:
                        continue
                    self._update(
                        conn,
                        plan_hash,
                        step_index,
                        sibling.number,
                        {
                            "state": StepState.REPLACED.value,
                            "finished_at": moment.isoformat(),
                            "replaced_by": attempt.tx_hash,
                        },
                    )
                    self._event(
                        conn,
                        plan_hash,
                        moment,
                        "replaced",
                        step_index,
                        sibling.number,
                        sibling.tx_hash,
                        f"step {step_index} attempt {sibling.number} replaced by attempt {attempt.number} "
                        f"({attempt.tx_hash}), same nonce {sibling.nonce}",
                    )
            return self._step_in(conn, plan_hash, step_index)

    def _locked(self, plan_hash: str, step_index: int) -> tuple[str, int]:
        plan_hash = rules.hash32(plan_hash, "plan hash")
        step_index = rules.uint(step_index, "step index")
        lock = self._locks.get(plan_hash)
        if lock is None or not lock.held:
            raise PlanNotLocked(plan_hash)
        return plan_hash, step_index

    def _now(self, at: datetime | None) -> datetime:
        return rules.moment(self._clock() if at is None else at, "time" if at is not None else "clock time")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction, committed before the caller gets its answer; rolled back on any error."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise JournalWriteFailed(self.path, str(error)) from None
        try:
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            raise JournalWriteFailed(self.path, str(error)) from None
        except BaseException:
            self._rollback()
            raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for reads that take more than one query."""
        conn = self._conn
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
        except sqlite3.Error as error:
            raise JournalUnusable(self.path, str(error)) from None

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _run_row(self, conn: sqlite3.Connection, plan_hash: str) -> tuple:
        row = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE plan_hash = ?", (plan_hash,)).fetchone()
        if row is None:
            raise RunNotStarted(plan_hash)
        return row

    def _run_in(self, conn: sqlite3.Connection, plan_hash: str) -> JournalRun:
        run = self._run_or_none(conn, plan_hash)
        if run is None:
            raise RunNotStarted(plan_hash)
        return run

    def _run_or_none(self, conn: sqlite3.Connection, plan_hash: str) -> JournalRun | None:
        row = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE plan_hash = ?", (plan_hash,)).fetchone()
        if row is None:
            return None
        return JournalRun(
            plan_hash=row[0],
            product=row[1],
            network=row[2],
            chain_id=row[3],
            plan_path=Path(row[4]),
            started_at=datetime.fromisoformat(row[5]),
            steps=tuple(self._steps_in(conn, plan_hash).values()),
            chain_genesis=row[6] or None,
        )

    def _steps_in(self, conn: sqlite3.Connection, plan_hash: str) -> dict[int, JournalStep]:
        by_step: dict[int, list[Attempt]] = {}
        rows = conn.execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE plan_hash = ? ORDER BY step_index, attempt", (plan_hash,)
        )
        for _plan, index, attempt in map(self._attempt_row, rows):
            by_step.setdefault(index, []).append(attempt)
        externals = {
            row[0]: External(recorded_at=datetime.fromisoformat(row[2]), detail=row[3], tx_hash=row[1])
            for row in conn.execute(
                "SELECT step_index, tx_hash, recorded_at, detail FROM externals WHERE plan_hash = ?", (plan_hash,)
            )
        }
        return {
            index: JournalStep(
                plan_hash=plan_hash,
                index=index,
                state=step_state(by_step.get(index, ()), externals.get(index)),
                attempts=tuple(by_step.get(index, ())),
                external=externals.get(index),
            )
            for index in sorted(set(by_step) | set(externals))
        }

    def _step_in(self, conn: sqlite3.Connection, plan_hash: str, step_index: int) -> JournalStep:
        step = self._steps_in(conn, plan_hash).get(step_index)
        return step or JournalStep(plan_hash=plan_hash, index=step_index, state=StepState.PLANNED)

    @staticmethod
    def _attempt_row(row: tuple) -> tuple[str, int, Attempt]:
        def when(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value)

        def big(value: str | None) -> int | None:
            return None if value is None else int(value)

        attempt = Attempt(
            number=row[2],
            state=StepState(row[3]),
            sender=row[4],
            nonce=row[5],
            tx_hash=row[6],
            raw_tx=bytes(row[7]),
            max_fee_per_gas=int(row[8]),
            gas_limit=row[9],
            signed_at=datetime.fromisoformat(row[10]),
            sent_at=when(row[11]),
            finished_at=when(row[12]),
            block_number=row[13],
            gas_used=row[14],
            status=row[15],
            effective_gas_price=big(row[16]),
            fills_json=row[17],
            reason=row[18],
            replaced_by=row[19],
        )
        return row[0], row[1], attempt

    @staticmethod
    def _update(conn: sqlite3.Connection, plan_hash: str, step_index: int, number: int, sets: dict[str, Any]) -> None:
        columns = ", ".join(f"{name} = ?" for name in sets)
        conn.execute(
            f"UPDATE attempts SET {columns} WHERE plan_hash = ? AND step_index = ? AND attempt = ?",
            (*sets.values(), plan_hash, step_index, number),
        )

    @staticmethod
    def _event(
        conn: sqlite3.Connection,
        plan_hash: str,
        moment: datetime,
        kind: str,
        step_index: int | None,
        attempt: int | None,
        tx_hash: str | None,
        detail: str,
    ) -> None:
        conn.execute(
            "INSERT INTO events (plan_hash, at, kind, step_index, attempt, tx_hash, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (plan_hash, moment.isoformat(), kind, step_index, attempt, tx_hash, detail),
        )


def _same_chain_instance(genesis: str) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause (and its parameters) for the attempts that may be on the chain whose block 0 is `genesis`.

    An attempt journaled before genesis hashes were kept ('') may be on any chain, and so may every
    attempt when the run's own chain is unknown: the journal then assumes the worst (same chain).
    """
    if not genesis:
        return "1 = 1", ()
    return "chain_genesis IN (?, '')", (genesis,)


def _fills_json(fills: object) -> str:
    if not isinstance(fills, dict) or not all(isinstance(k, str) for k in fills):
        raise InvalidJournalValue("fills", f"expected a dict with text keys, got {type(fills).__name__}")
    try:
        return json.dumps(fills, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidJournalValue("fills", f"cannot be stored as JSON ({error})") from None


def _gwei(wei: int) -> str:
    value = Decimal(wei) / Decimal(10**9)
    return f"{value.normalize():f} gwei" if value else "0 gwei"


def _describe(kind: str, step_index: int, attempt: Attempt, sets: dict[str, Any]) -> str:
    head = f"step {step_index} attempt {attempt.number}"
    if kind == "sent":
        return f"{head} broadcast ({attempt.tx_hash})"
    if kind == "rebroadcast":
        return f"{head} broadcast again ({attempt.tx_hash})"
    if kind == "mined":
        return f"{head} mined in block {sets['block_number']} (gas used {sets['gas_used']})"
    if kind == "reverted":
        return f"{head} reverted in block {sets['block_number']} (gas used {sets['gas_used']})"
    if kind == "failed":
        return f"{head} failed: {sets['reason']}"
    if kind == "replaced":
        by = sets.get("replaced_by")
        return (
            f"{head} replaced by {by}, same nonce {attempt.nonce}"
            if by
            else (f"{head} replaced by another transaction with nonce {attempt.nonce}")
        )
    return f"{head} dropped; nonce {attempt.nonce} unused"
