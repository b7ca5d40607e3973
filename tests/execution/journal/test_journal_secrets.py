"""The journal stores no key: its API takes none, and a full run leaves no trace of the signing key."""

from __future__ import annotations

import inspect

import pytest
from eth_account import Account

from indexops.execution.journal import Journal
from indexops.execution.journal import store as journal_module
from indexops.execution.journal.errors import InvalidJournalValue
from tests.execution.journal.journal_helpers import CHAIN_ID, GENESIS, PLAN, TEST_KEY, signed

SECRET_WORDS = ("key", "secret", "password", "passphrase", "mnemonic", "seed", "keystore", "private", "signer")


def _public_callables():
    yield journal_module.default_journal_path
    for name, member in inspect.getmembers(Journal):
        if not name.startswith("_") and callable(member):
            yield member


def test_no_parameter_can_carry_a_key():
    for function in _public_callables():
        for parameter in inspect.signature(function).parameters:
            assert not any(word in parameter.lower() for word in SECRET_WORDS), (function.__name__, parameter)


def test_a_whole_run_leaves_no_trace_of_the_signing_key(journal, journal_path):
    key = bytes.fromhex(TEST_KEY[2:])
    assert Account.from_key(key).address == signed(0).sender  # the key that signed what is journaled
    journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "plans/dpi.json", chain_genesis=GENESIS)
    with journal.acquire(PLAN):
        journal.record_signed(PLAN, 0, **signed(0).args())
        journal.record_sent(PLAN, 0)
        journal.record_failed(PLAN, 0, "replacement transaction underpriced")
        journal.record_signed(PLAN, 0, **signed(0, variant=1).args())
        journal.record_sent(PLAN, 0)
        journal.record_mined(PLAN, 0, 123, 100_000, 1, {"sold": "AAVE", "amount": 10**21})
        for raw in (key, TEST_KEY, TEST_KEY[2:].encode()):  # a key where the raw tx goes is not a transaction
            with pytest.raises(InvalidJournalValue):
                journal.record_signed(PLAN, 1, **{**signed(1).args(), "raw_tx": raw})
    stored = [p for p in journal_path.parent.rglob("*") if p.is_file()]
    assert journal_path in stored
    needles = [key, TEST_KEY[2:].lower().encode(), TEST_KEY[2:].upper().encode(), key.hex().encode("utf-16-le")]
    for path in stored:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, path
    journal.close()
    data = journal_path.read_bytes()  # checkpointed into the main file
    assert signed(0).raw in data and not any(needle in data for needle in needles)
