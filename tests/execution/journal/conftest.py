"""Fixtures of the journal tests: an open journal, and one with a plan begun and locked."""

from __future__ import annotations

import pytest

from indexops.execution.journal import Journal
from tests.execution.journal.journal_helpers import CHAIN_ID, GENESIS, PLAN, Clock


@pytest.fixture
def journal_path(tmp_path):
    return tmp_path / "data" / "journal.sqlite3"


@pytest.fixture
def journal(journal_path):
    opened = Journal.open(journal_path, clock=Clock())
    yield opened
    opened.close()


@pytest.fixture
def started(journal):
    """A journal with PLAN begun and locked."""
    journal.begin_run(PLAN, "dpi", "mainnet", CHAIN_ID, "plans/dpi.json", chain_genesis=GENESIS)
    with journal.acquire(PLAN):
        yield journal
