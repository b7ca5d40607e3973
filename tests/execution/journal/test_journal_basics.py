"""The journal's file, runs, the executor's protocol per step, and what it refuses."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest

from indexops.errors import UsageError
from indexops.execution.journal import Journal, default_journal_path
from indexops.execution.journal import errors as errors
from indexops.execution.journal.model import StepState
from indexops.execution.journal.schema import SCHEMA_VERSION
from tests.execution.journal.journal_helpers import (
    CHAIN_ID,
    GENESIS,
    OTHER_GENESIS,
    PLAN,
    PLAN_B,
    SIGNER,
    Clock,
    one_line,
    signed,
)

# ---- the file -------------------------------------------------------------------------------


def test_default_path_is_in_the_data_dir(tmp_path):
    assert default_journal_path(tmp_path) == tmp_path / "journal.sqlite3"


def test_open_creates_folders_with_wal_and_full_sync(journal_path):
    with Journal.open(journal_path) as journal:
        conn = journal._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert journal_path.is_file()
    Journal.open(journal_path).close()  # opening again keeps it


def test_newer_schema_is_refused_in_one_line_and_left_alone(journal_path):
    Journal.open(journal_path).close()
    with sqlite3.connect(journal_path) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(errors.JournalSchemaTooNew) as caught:
        Journal.open(journal_path)
    text = one_line(caught.value)
    assert f"newer indexops (schema {SCHEMA_VERSION + 1})" in text and "upgrade indexops" in text
    assert caught.value.exit_code == 2
    with sqlite3.connect(journal_path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION + 1


def test_other_files_are_refused(tmp_path):
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(errors.JournalUnusable) as caught:
        Journal.open(garbage)
    assert "cannot be used" in one_line(caught.value)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (x)")
    with pytest.raises(errors.JournalUnusable, match="not an indexops journal"):
        Journal.open(other)


def test_event_log_and_signed_transactions_cannot_be_rewritten(started):
    tx = signed(0)
    started.record_signed(PLAN, 0, **tx.args())
    conn = started._conn
    for statement in (
        "UPDATE events SET detail = 'x'",
        "DELETE FROM events",
        "UPDATE attempts SET nonce = 99",
        "UPDATE attempts SET raw_tx = x'00'",
        "DELETE FROM attempts",
    ):
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute(statement)
    started.record_mined(PLAN, 0, 10, 21_000, 1, {})
    with pytest.raises(sqlite3.DatabaseError, match="final state"):
        conn.execute("UPDATE attempts SET state = 'sent'")


# ---- runs -----------------------------------------------------------------------------------


def test_begin_run_is_idempotent_per_plan_and_returns_its_steps(journal):
    first = journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "plans/dpi.json", chain_genesis=GENESIS)
    assert first.steps == () and first.chain_id == CHAIN_ID and first.plan_path.is_absolute()
    with journal.acquire(PLAN):
        journal.record_signed(PLAN, 0, **signed(0).args())
    again = journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "elsewhere/dpi.json", chain_genesis=GENESIS)
    assert again.started_at == first.started_at and again.plan_path == first.plan_path
    assert [(s.index, s.state) for s in again.steps] == [(0, StepState.SIGNING)]
    assert [e.kind for e in journal.events(PLAN)] == ["run-started", "signed"]
    assert [r.plan_hash for r in journal.runs()] == [PLAN]


@pytest.mark.parametrize(
    ("field", "change"),
    [("chain id", {"chain_id": 5}), ("product", {"product": "mvi"}), ("network", {"network": "goerli"}),
     ("chain genesis block", {"chain_genesis": OTHER_GENESIS})],
)
def test_begin_run_refuses_the_same_plan_elsewhere(journal, field, change):
    journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "p.json", chain_genesis=GENESIS)
    args = {"product": "dpi", "network": "mainnet", "chain_id": CHAIN_ID, "plan_path": "p.json",
            "chain_genesis": GENESIS, **change}
    with pytest.raises(errors.RunMismatch) as caught:
        journal.begin_run(PLAN, **args)
    assert one_line(caught.value).startswith(f"plan {PLAN[:10]} was started with {field} ")
    assert isinstance(caught.value, UsageError)


def test_writes_need_a_begun_run_and_the_plan_lock(journal):
    with journal.acquire(PLAN):
        with pytest.raises(errors.RunNotStarted):
            journal.record_signed(PLAN, 0, **signed(0).args())
    journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "p.json", chain_genesis=GENESIS)
    with pytest.raises(errors.PlanNotLocked) as caught:
        journal.record_signed(PLAN, 0, **signed(0).args())
    assert "journal.acquire" in one_line(caught.value)
    assert journal.steps(PLAN) == []


# ---- the protocol ---------------------------------------------------------------------------


def test_signed_sent_mined_with_history(started):
    tx = signed(7)
    step = started.record_signed(PLAN, 0, **tx.args())
    assert step.state is StepState.SIGNING and step.current.raw_tx == tx.raw and step.current.nonce == 7
    assert [s.index for s in started.pending(PLAN)] == [0]
    assert started.record_sent(PLAN, 0).state is StepState.SENT
    assert started.record_sent(PLAN, 0).state is StepState.SENT  # a rebroadcast
    fills = {"sold": {"AAVE": 10**30}, "bought": {"WETH": 5}, "venue": "uniswap-v2"}
    step = started.record_mined(PLAN, 0, 19_000_000, 180_000, 1, fills, effective_gas_price=31 * 10**9)
    attempt = step.current
    assert step.state is StepState.MINED and attempt.block_number == 19_000_000 and attempt.status == 1
    assert attempt.fills == fills and attempt.effective_gas_price == 31 * 10**9
    assert started.pending(PLAN) == [] and started.next_step(PLAN, 2) == 1
    events = started.events(PLAN)
    assert [e.kind for e in events] == ["run-started", "signed", "sent", "rebroadcast", "mined"]
    assert all(e.at.tzinfo is not None for e in events) and events == sorted(events, key=lambda e: e.at)
    assert events[1].tx_hash == tx.tx_hash and "max fee 30 gwei" in events[1].detail


def test_times_come_from_the_caller_or_the_clock(journal_path):
    clock = Clock(datetime(2030, 1, 1, tzinfo=timezone.utc))
    with Journal.open(journal_path, clock=clock) as journal:
        journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "p.json", chain_genesis=GENESIS)
        with journal.acquire(PLAN):
            given = datetime(2031, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
            journal.record_signed(PLAN, 0, **signed(0).args(), at=given)
            with pytest.raises(errors.InvalidJournalValue, match="timezone-aware"):
                journal.record_sent(PLAN, 0, at=datetime(2031, 1, 1))
        assert [e.at.year for e in journal.events(PLAN)] == [2030, 2031]


def test_illegal_transitions_are_refused_in_one_line(started):
    with pytest.raises(errors.IllegalTransition, match="is planned; it cannot become sent"):
        started.record_sent(PLAN, 0)
    started.record_signed(PLAN, 0, **signed(0).args())
    started.record_mined(PLAN, 0, 5, 21_000, 1, {})
    for call in (
        lambda: started.record_sent(PLAN, 0),
        lambda: started.record_failed(PLAN, 0, "x"),
        lambda: started.record_dropped(PLAN, 0),
        lambda: started.record_mined(PLAN, 0, 6, 21_000, 1, {}),
        lambda: started.record_signed(PLAN, 0, **signed(1).args()),
    ):
        with pytest.raises(errors.IllegalTransition) as caught:
            call()
        assert one_line(caught.value).startswith(f"step 0 of plan {PLAN[:10]} is mined; it cannot become")
    assert [a.state for a in started.step(PLAN, 0).attempts] == [StepState.MINED]


def test_retry_after_failed_or_dropped_keeps_every_attempt(started):
    started.record_signed(PLAN, 0, **signed(0).args())
    started.record_failed(PLAN, 0, "insufficient funds for gas * price + value:\n balance 0")
    started.record_signed(PLAN, 0, **signed(0, variant=1).args())  # refused by the node: the nonce is free
    started.record_sent(PLAN, 0)
    started.record_dropped(PLAN, 0)
    started.record_signed(PLAN, 0, **signed(0, variant=2).args())
    step = started.record_mined(PLAN, 0, 9, 21_000, 0, {})  # reverted: uses the nonce, step may be retried
    assert step.state is StepState.FAILED and step.current.reason == "reverted in block 9"
    with pytest.raises(errors.NonceUsed, match="nonce 0 of .* was used by"):
        started.record_signed(PLAN, 0, **signed(0, variant=3).args())
    step = started.record_signed(PLAN, 0, **signed(1).args())
    assert [a.state for a in step.attempts] == ["failed", "dropped", "failed", "signing"]
    assert [a.number for a in step.attempts] == [1, 2, 3, 4]
    assert step.attempts[0].reason == "insufficient funds for gas * price + value: balance 0"
    assert started.tx_hashes(PLAN, 0) == [signed(0, v).tx_hash for v in range(3)] + [signed(1).tx_hash]


def test_fee_bump_same_nonce_then_the_mined_one_replaces_the_other(started):
    started.record_signed(PLAN, 0, **signed(3).args())
    started.record_sent(PLAN, 0)
    with pytest.raises(errors.StepInFlight, match="reconcile it before"):
        started.record_signed(PLAN, 0, **signed(4).args())
    started.record_signed(PLAN, 0, **signed(3, variant=1).args())
    step = started.step(PLAN, 0)
    assert step.state is StepState.SENT and [a.tx_hash for a in step.in_flight] == started.tx_hashes(PLAN, 0)
    step = started.record_mined(PLAN, 0, 11, 30_000, 1, {}, tx_hash=signed(3).tx_hash)
    assert [(a.state, a.replaced_by) for a in step.attempts] == [
        (StepState.MINED, None),
        (StepState.REPLACED, signed(3).tx_hash),
    ]
    assert step.state is StepState.MINED and step.current.tx_hash == signed(3).tx_hash


def test_replaced_by_an_unknown_transaction_is_final(started):
    started.record_signed(PLAN, 0, **signed(0).args())
    with pytest.raises(errors.InvalidJournalValue, match="record that one as mined"):
        started.record_replaced(PLAN, 0, by_tx_hash=signed(0).tx_hash)
    started.record_replaced(PLAN, 0, by_tx_hash="0x" + "99" * 32)
    assert started.next_step(PLAN, 1) == 0
    with pytest.raises(errors.StepReplaced) as caught:
        started.record_signed(PLAN, 0, **signed(1).args())
    assert "make a new plan" in one_line(caught.value) and "0x" + "99" * 32 in str(caught.value)


def test_steps_go_in_order_and_next_step_waits_for_reconciliation(started):
    with pytest.raises(errors.StepOutOfOrder, match="before step 0 is mined"):
        started.record_signed(PLAN, 1, **signed(0).args())
    assert started.next_step(PLAN, 3) == 0
    started.record_signed(PLAN, 0, **signed(0).args())
    with pytest.raises(errors.UnreconciledSteps) as caught:
        started.next_step(PLAN, 3)
    assert one_line(caught.value).startswith(f"step 0 of plan {PLAN[:10]} is signing ({signed(0).tx_hash}, nonce 0)")
    started.record_mined(PLAN, 0, 1, 21_000, 1, {})
    started.record_signed(PLAN, 1, **signed(1).args())
    started.record_mined(PLAN, 1, 2, 21_000, 1, {})
    assert started.next_step(PLAN, 2) is None
    with pytest.raises(errors.JournalPlanMismatch, match="has only 1 steps"):
        started.next_step(PLAN, 1)


def test_nonces_are_not_shared_between_plans(started):
    started.begin_run(PLAN_B, "mvi", "mainnet", CHAIN_ID, "plans/mvi.json", chain_genesis=GENESIS)
    with started.acquire(PLAN_B):
        started.record_signed(PLAN, 0, **signed(0).args())
        with pytest.raises(errors.NonceUsed, match="is in flight as"):
            started.record_signed(PLAN_B, 0, **signed(0, variant=1).args())
        started.record_dropped(PLAN, 0)
        started.record_signed(PLAN_B, 0, **signed(0, variant=1).args())
        with pytest.raises(errors.DuplicateTransaction, match="already journaled as attempt 1 of step 0"):
            started.record_signed(PLAN_B, 0, **signed(0).args())
        assert {r.plan_hash for r in started.runs()} == {PLAN, PLAN_B}
        assert [e.kind for e in started.events(PLAN_B)] == ["run-started", "signed"]


# ---- the signed transaction must be what the executor says ----------------------------------


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"tx_hash": "0x" + "00" * 32}, "hash"),
        ({"nonce": 8}, "nonce"),
        ({"sender": "0x" + "11" * 20}, "sender"),
        ({"max_fee_per_gas": 1}, "max fee per gas"),
        ({"gas_limit": 21_000}, "gas limit"),
    ],
)
def test_values_must_match_the_signed_transaction(started, change, what):
    with pytest.raises(errors.SignedTxMismatch) as caught:
        started.record_signed(PLAN, 0, **{**signed(7).args(), **change})
    assert one_line(caught.value).startswith(f"the signed transaction's {what} is ")
    assert started.steps(PLAN) == []


def test_other_chains_and_non_transactions_are_refused(started):
    with pytest.raises(errors.SignedTxMismatch, match="chain id is 5, not 1"):
        started.record_signed(PLAN, 0, **signed(0, chain_id=5).args())
    for raw in (b"", b"\x02\x01\x02", "0xzz", 12):
        with pytest.raises(errors.InvalidJournalValue, match="raw_tx"):
            started.record_signed(PLAN, 0, **{**signed(0).args(), "raw_tx": raw})
    assert started.steps(PLAN) == []


def test_legacy_transactions_and_hex_input(started):
    tx = signed(0, legacy=True)
    step = started.record_signed(PLAN, 0, **{**tx.args(), "raw_tx": "0x" + tx.raw.hex(), "sender": tx.sender.lower()})
    assert step.current.raw_tx == tx.raw and step.current.sender == tx.sender


def test_transactions_without_a_chain_id_are_refused(started):
    fee = 10**9
    done = SIGNER.sign_transaction({"nonce": 0, "to": "0x" + "22" * 20, "value": 0, "gas": 21_000, "gasPrice": fee})
    args = {"sender": SIGNER.address, "nonce": 0, "tx_hash": "0x" + done.hash.hex(), "raw_tx": done.raw_transaction,
            "max_fee_per_gas": fee, "gas_limit": 21_000}
    with pytest.raises(errors.InvalidJournalValue, match="not replay-protected"):
        started.record_signed(PLAN, 0, **args)


def test_receipt_values_are_checked(started):
    started.record_signed(PLAN, 0, **signed(0).args())
    for args, match in (
        ((1, 21_000, 2, {}), "expected 0 or 1"),
        ((1, 10**7, 1, {}), "more than the transaction's gas limit"),
        ((1, 21_000, 1, {"x": float("nan")}), "cannot be stored as JSON"),
        ((1, 21_000, 1, {1: 2}), "text keys"),
        ((-1, 21_000, 1, {}), "whole number"),
    ):
        with pytest.raises(errors.InvalidJournalValue, match=match):
            started.record_mined(PLAN, 0, *args)
    assert started.step(PLAN, 0).state is StepState.SIGNING
