"""Steps done outside the executor (a Safe executed them): the `external` state, its rules, events and schema."""

from __future__ import annotations

import sqlite3

import pytest

from indexops.execution.journal import Journal
from indexops.execution.journal import errors as errors
from indexops.execution.journal.model import StepState
from indexops.execution.journal.schema import _SCHEMA_V1, SCHEMA_VERSION, _statements
from tests.execution.journal.journal_helpers import CHAIN_ID, GENESIS, PLAN, Clock, one_line, signed

SAFE_TX = "0x" + "5a" * 32


def test_a_planned_step_becomes_external_and_counts_as_done(started):
    step = started.record_external(PLAN, 0, "the Safe executed it", tx_hash=SAFE_TX.upper().replace("0X", "0x"))
    assert step.state is StepState.EXTERNAL and step.done and step.attempts == ()
    assert step.external.tx_hash == SAFE_TX and step.external.detail == "the Safe executed it"
    assert started.next_step(PLAN, 3) == 1
    started.record_external(PLAN, 1, "the Safe executed it")  # no hash known
    assert started.step(PLAN, 1).external.tx_hash is None
    assert started.next_step(PLAN, 2) is None
    assert started.run(PLAN).done_steps == 2 and started.run(PLAN).mined_steps == 0


def test_a_step_after_external_ones_may_be_signed(started):
    started.record_external(PLAN, 0, "the Safe executed it")
    step = started.record_signed(PLAN, 1, **signed(0).args())
    assert step.state is StepState.SIGNING


def test_external_keeps_the_order_of_steps(started):
    with pytest.raises(errors.StepOutOfOrder) as caught:
        started.record_external(PLAN, 1, "the Safe executed it")
    assert one_line(caught.value) == (
        f"step 1 of plan {PLAN[:10]} cannot be done before step 0 is mined or done outside this executor (it is planned)"
    )
    assert started.step(PLAN, 1).state is StepState.PLANNED


def test_external_is_final(started):
    started.record_external(PLAN, 0, "the Safe executed it", tx_hash=SAFE_TX)
    for call in (
        lambda: started.record_external(PLAN, 0, "again"),
        lambda: started.record_signed(PLAN, 0, **signed(0).args()),
        lambda: started.record_sent(PLAN, 0),
        lambda: started.record_dropped(PLAN, 0),
    ):
        with pytest.raises(errors.IllegalTransition):
            call()
    with pytest.raises(errors.IllegalTransition) as caught:
        started.record_signed(PLAN, 0, **signed(0).args())
    assert "is external; it cannot become signing (it was done outside this executor)" in one_line(caught.value)
    assert started.step(PLAN, 0).external.tx_hash == SAFE_TX


def test_a_step_in_flight_or_mined_cannot_become_external(started):
    started.record_signed(PLAN, 0, **signed(0).args())
    with pytest.raises(errors.StepInFlight, match="reconcile it before recording it as done elsewhere"):
        started.record_external(PLAN, 0, "the Safe executed it")
    started.record_mined(PLAN, 0, 5, 21_000, 1, {})
    with pytest.raises(errors.IllegalTransition, match="is mined; it cannot become external"):
        started.record_external(PLAN, 0, "the Safe executed it")


def test_a_failed_step_may_become_external_and_keeps_its_attempts(started):
    started.record_signed(PLAN, 0, **signed(0).args())
    started.record_failed(PLAN, 0, "the node refused it")
    step = started.record_external(PLAN, 0, "the Safe executed it")
    assert step.state is StepState.EXTERNAL and [a.state for a in step.attempts] == [StepState.FAILED]


def test_external_needs_the_lock_and_valid_values(journal):
    journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "plans/dpi.json", chain_genesis=GENESIS)
    with pytest.raises(errors.PlanNotLocked):
        journal.record_external(PLAN, 0, "the Safe executed it")
    with journal.acquire(PLAN):
        with pytest.raises(errors.InvalidJournalValue):
            journal.record_external(PLAN, 0, "the Safe executed it", tx_hash="0x1234")
        with pytest.raises(errors.InvalidJournalValue):
            journal.record_external(PLAN, 0, "  ")
    assert journal.steps(PLAN) == []


def test_external_is_an_event_and_survives_reopening(journal_path):
    with Journal.open(journal_path, clock=Clock()) as journal:
        journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "plans/dpi.json", chain_genesis=GENESIS)
        with journal.acquire(PLAN):
            journal.record_external(PLAN, 0, "the Safe executed it", tx_hash=SAFE_TX)
        event = journal.events(PLAN)[-1]
    assert (event.kind, event.step_index, event.attempt, event.tx_hash) == ("external", 0, None, SAFE_TX)
    assert event.detail == f"step 0 done outside this executor (in {SAFE_TX}): the Safe executed it"
    with Journal.open(journal_path) as again:
        assert again.step(PLAN, 0).state is StepState.EXTERNAL
        with pytest.raises(sqlite3.IntegrityError, match="final"):
            again._conn.execute("DELETE FROM externals")
        with pytest.raises(sqlite3.IntegrityError, match="final"):
            again._conn.execute("UPDATE externals SET tx_hash = NULL")


def test_a_version_1_journal_is_migrated_and_keeps_its_rows(journal_path):
    journal_path.parent.mkdir(parents=True)
    with sqlite3.connect(journal_path, isolation_level=None) as conn:  # a journal as version 1 wrote it
        for statement in _statements(_SCHEMA_V1):
            conn.execute(statement)
        conn.execute("INSERT INTO runs VALUES (?, 'dpi', 'mainnet', ?, '/plans/dpi.json', '2024-05-01T12:00:00+00:00')",
                     (PLAN, CHAIN_ID))
        tx = signed(0)
        conn.execute(
            "INSERT INTO attempts (plan_hash, step_index, attempt, state, chain_id, sender, nonce, tx_hash, raw_tx,"
            " max_fee_per_gas, gas_limit, signed_at, block_number, gas_used, status)"
            " VALUES (?, 0, 1, 'mined', ?, ?, 0, ?, ?, ?, ?, '2024-05-01T12:00:01+00:00', 5, 21000, 1)",
            (PLAN, CHAIN_ID, tx.sender, tx.tx_hash, tx.raw, str(tx.max_fee_per_gas), tx.gas_limit),
        )
    with Journal.open(journal_path, clock=Clock()) as journal:
        assert journal.step(PLAN, 0).state is StepState.MINED and journal.next_step(PLAN, 2) == 1
        with journal.acquire(PLAN):
            journal.record_external(PLAN, 1, "the Safe executed it")
        assert [s.state for s in journal.steps(PLAN)] == [StepState.MINED, StepState.EXTERNAL]
    with sqlite3.connect(journal_path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)] == [(3,)]
