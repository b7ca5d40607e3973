"""A journal tells one chain instance from another: a fresh sandbox replays the same transactions."""

from __future__ import annotations

import sqlite3

import pytest

from indexops.execution.journal import Journal
from indexops.execution.journal import errors as errors
from indexops.execution.journal.model import StepState
from indexops.execution.journal.schema import _MIGRATION_V2, _SCHEMA_V1, _statements
from tests.execution.journal.journal_helpers import (
    CHAIN_ID,
    GENESIS,
    OTHER_GENESIS,
    PLAN,
    PLAN_B,
    Clock,
    one_line,
    signed,
)


def test_the_same_transactions_on_a_new_chain_instance_are_new(started):
    started.record_signed(PLAN, 0, **signed(0).args())
    started.record_mined(PLAN, 0, 5, 21_000, 1, {})
    started.begin_run(PLAN_B, "dpi", "mainnet", CHAIN_ID, "plans/dpi.json", chain_genesis=OTHER_GENESIS)
    with started.acquire(PLAN_B):
        replayed = started.record_signed(PLAN_B, 0, **signed(0).args())  # same nonce, same hash, other chain
        assert replayed.state is StepState.SIGNING
        started.record_mined(PLAN_B, 0, 5, 21_000, 1, {})
    assert started.step(PLAN, 0).state is StepState.MINED
    assert [run.chain_genesis for run in started.runs()] == [GENESIS, OTHER_GENESIS]


def test_on_the_same_chain_instance_a_replayed_transaction_is_still_refused(started):
    started.record_signed(PLAN, 0, **signed(0).args())
    started.record_mined(PLAN, 0, 5, 21_000, 1, {})
    started.begin_run(PLAN_B, "dpi", "mainnet", CHAIN_ID, "plans/dpi.json", chain_genesis=GENESIS)
    with started.acquire(PLAN_B):
        with pytest.raises(errors.NonceUsed, match="was used by"):
            started.record_signed(PLAN_B, 0, **signed(0, variant=1).args())
        with pytest.raises(errors.DuplicateTransaction) as caught:
            started.record_signed(PLAN_B, 0, **signed(0).args())
    assert "before the journal kept" not in one_line(caught.value)


def test_a_run_keeps_its_chain(started):
    with pytest.raises(sqlite3.IntegrityError, match="stays on the chain"):
        started._conn.execute("UPDATE runs SET chain_genesis = ?", (OTHER_GENESIS,))


def test_rows_from_before_chain_instances_were_kept_count_as_any_chain(journal_path):
    """A version 2 journal does not say which chain its runs were on: the journal assumes the worst."""
    journal_path.parent.mkdir(parents=True)
    tx = signed(0)
    with sqlite3.connect(journal_path, isolation_level=None) as conn:
        for statement in _statements(_SCHEMA_V1) + _statements(_MIGRATION_V2):
            conn.execute(statement)
        conn.execute("INSERT INTO runs VALUES (?, 'dpi', 'mainnet', ?, '/plans/dpi.json', '2024-05-01T12:00:00+00:00')",
                     (PLAN, CHAIN_ID))
        conn.execute(
            "INSERT INTO attempts (plan_hash, step_index, attempt, state, chain_id, sender, nonce, tx_hash, raw_tx,"
            " max_fee_per_gas, gas_limit, signed_at, block_number, gas_used, status)"
            " VALUES (?, 0, 1, 'mined', ?, ?, 0, ?, ?, ?, ?, '2024-05-01T12:00:01+00:00', 5, 21000, 1)",
            (PLAN, CHAIN_ID, tx.sender, tx.tx_hash, tx.raw, str(tx.max_fee_per_gas), tx.gas_limit),
        )
    with Journal.open(journal_path, clock=Clock()) as journal:
        resumed = journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "p.json", chain_genesis=GENESIS)
        assert resumed.chain_genesis is None and resumed.steps[0].state is StepState.MINED
        journal.begin_run(PLAN_B, "dpi", "mainnet", CHAIN_ID, "p.json", chain_genesis=OTHER_GENESIS)
        with journal.acquire(PLAN_B), pytest.raises(errors.DuplicateTransaction) as caught:
            journal.record_signed(PLAN_B, 0, **tx.args())
    assert "run with a new --journal file" in one_line(caught.value)
