"""The journal's SQLite file: connection settings, schema (version 3), migrations and the version check.

Version 2 adds `externals`: steps done outside this executor (e.g. by a Safe), one row per step,
never changed or deleted. Version 3 records which chain instance a run was sent to (`chain_genesis`,
the hash of the chain's block 0, on runs and attempts): a fresh sandbox replays the same plan with the
same nonces and transaction hashes, and those are new transactions on a new chain, not duplicates.
A transaction hash is unique per chain instance. Older journals are migrated when opened; their rows
keep an empty `chain_genesis` (chain unknown), which the journal treats as possibly any chain.

WAL with `synchronous=FULL`: a commit returns only after the WAL is on disk, so a record the
journal said it wrote survives a kill or a power cut. Every write is one `BEGIN IMMEDIATE`
transaction, so a record is there whole or not at all. Triggers keep the event log
append-only and a signed transaction's identity (hash, raw bytes, nonce, sender) fixed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from indexops.execution.journal.errors import JournalSchemaTooNew, JournalUnusable

SCHEMA_VERSION = 3
BUSY_TIMEOUT_MS = 5000

_STATES = "'signing','sent','mined','failed','replaced','dropped'"

_SCHEMA_V1 = f"""
CREATE TABLE schema_version (
    version INTEGER NOT NULL
);
CREATE TABLE runs (
    plan_hash TEXT PRIMARY KEY,
    product TEXT NOT NULL,
    network TEXT NOT NULL,
    chain_id INTEGER NOT NULL,
    plan_path TEXT NOT NULL,
    started_at TEXT NOT NULL
);
CREATE TABLE attempts (
    plan_hash TEXT NOT NULL REFERENCES runs(plan_hash),
    step_index INTEGER NOT NULL CHECK (step_index >= 0),
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    state TEXT NOT NULL CHECK (state IN ({_STATES})),
    chain_id INTEGER NOT NULL,
    sender TEXT NOT NULL,
    nonce INTEGER NOT NULL CHECK (nonce >= 0),
    tx_hash TEXT NOT NULL UNIQUE,
    raw_tx BLOB NOT NULL,
    max_fee_per_gas TEXT NOT NULL,
    gas_limit INTEGER NOT NULL,
    signed_at TEXT NOT NULL,
    sent_at TEXT,
    finished_at TEXT,
    block_number INTEGER,
    gas_used INTEGER,
    status INTEGER CHECK (status IN (0, 1)),
    effective_gas_price TEXT,
    fills TEXT,
    reason TEXT,
    replaced_by TEXT,
    PRIMARY KEY (plan_hash, step_index, attempt)
);
CREATE INDEX attempts_by_nonce ON attempts (chain_id, sender, nonce);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_hash TEXT NOT NULL REFERENCES runs(plan_hash),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    step_index INTEGER,
    attempt INTEGER,
    tx_hash TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX events_by_plan ON events (plan_hash, seq);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER attempts_keep_identity BEFORE UPDATE OF
    plan_hash, step_index, attempt, chain_id, sender, nonce, tx_hash, raw_tx, max_fee_per_gas, gas_limit, signed_at
ON attempts
BEGIN SELECT RAISE(ABORT, 'a signed transaction is journaled once and never changed'); END;
CREATE TRIGGER attempts_final_states BEFORE UPDATE OF state ON attempts
WHEN OLD.state NOT IN ('signing', 'sent')
BEGIN SELECT RAISE(ABORT, 'an attempt in a final state does not change'); END;
CREATE TRIGGER attempts_no_delete BEFORE DELETE ON attempts
BEGIN SELECT RAISE(ABORT, 'journaled transactions are never deleted'); END;
INSERT INTO schema_version (version) VALUES (1);
"""

_MIGRATION_V2 = """
CREATE TABLE externals (
    plan_hash TEXT NOT NULL REFERENCES runs(plan_hash),
    step_index INTEGER NOT NULL CHECK (step_index >= 0),
    tx_hash TEXT,
    recorded_at TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (plan_hash, step_index)
);
CREATE TRIGGER externals_final_update BEFORE UPDATE ON externals
BEGIN SELECT RAISE(ABORT, 'a step done outside the executor is final'); END;
CREATE TRIGGER externals_no_delete BEFORE DELETE ON externals
BEGIN SELECT RAISE(ABORT, 'a step done outside the executor is final'); END;
UPDATE schema_version SET version = 2;
"""

_ATTEMPTS_V3 = f"""
CREATE TABLE attempts_v3 (
    plan_hash TEXT NOT NULL REFERENCES runs(plan_hash),
    step_index INTEGER NOT NULL CHECK (step_index >= 0),
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    state TEXT NOT NULL CHECK (state IN ({_STATES})),
    chain_id INTEGER NOT NULL,
    chain_genesis TEXT NOT NULL DEFAULT '',
    sender TEXT NOT NULL,
    nonce INTEGER NOT NULL CHECK (nonce >= 0),
    tx_hash TEXT NOT NULL,
    raw_tx BLOB NOT NULL,
    max_fee_per_gas TEXT NOT NULL,
    gas_limit INTEGER NOT NULL,
    signed_at TEXT NOT NULL,
    sent_at TEXT,
    finished_at TEXT,
    block_number INTEGER,
    gas_used INTEGER,
    status INTEGER CHECK (status IN (0, 1)),
    effective_gas_price TEXT,
    fills TEXT,
    reason TEXT,
    replaced_by TEXT,
    PRIMARY KEY (plan_hash, step_index, attempt),
    UNIQUE (chain_genesis, tx_hash)
);
"""

_MIGRATION_V3 = (
    _ATTEMPTS_V3
    + """
INSERT INTO attempts_v3 (plan_hash, step_index, attempt, state, chain_id, sender, nonce, tx_hash, raw_tx,
    max_fee_per_gas, gas_limit, signed_at, sent_at, finished_at, block_number, gas_used, status,
    effective_gas_price, fills, reason, replaced_by)
SELECT plan_hash, step_index, attempt, state, chain_id, sender, nonce, tx_hash, raw_tx,
    max_fee_per_gas, gas_limit, signed_at, sent_at, finished_at, block_number, gas_used, status,
    effective_gas_price, fills, reason, replaced_by FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_v3 RENAME TO attempts;
CREATE INDEX attempts_by_nonce ON attempts (chain_id, chain_genesis, sender, nonce);
CREATE INDEX attempts_by_tx ON attempts (tx_hash);
CREATE TRIGGER attempts_keep_identity BEFORE UPDATE OF
    plan_hash, step_index, attempt, chain_id, chain_genesis, sender, nonce, tx_hash, raw_tx, max_fee_per_gas,
    gas_limit, signed_at
ON attempts
BEGIN SELECT RAISE(ABORT, 'a signed transaction is journaled once and never changed'); END;
CREATE TRIGGER attempts_final_states BEFORE UPDATE OF state ON attempts
WHEN OLD.state NOT IN ('signing', 'sent')
BEGIN SELECT RAISE(ABORT, 'an attempt in a final state does not change'); END;
CREATE TRIGGER attempts_no_delete BEFORE DELETE ON attempts
BEGIN SELECT RAISE(ABORT, 'journaled transactions are never deleted'); END;
ALTER TABLE runs ADD COLUMN chain_genesis TEXT NOT NULL DEFAULT '';
CREATE TRIGGER runs_keep_chain BEFORE UPDATE OF plan_hash, chain_id, chain_genesis ON runs
BEGIN SELECT RAISE(ABORT, 'a run stays on the chain it started on'); END;
UPDATE schema_version SET version = 3;
"""
)

# version -> the script that brings a journal of the version before it up to it
_MIGRATIONS = {2: _MIGRATION_V2, 3: _MIGRATION_V3}


def connect(path: Path) -> sqlite3.Connection:
    """An open, checked connection to the journal at `path`, creating the file and schema if new."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise JournalUnusable(path, f"cannot create its folder ({error.strerror or error})") from None
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as error:
        raise JournalUnusable(path, str(error)) from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise JournalUnusable(path, f"SQLite would not use write-ahead logging there (journal mode {mode})")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        _check_or_create(conn, path)
    except sqlite3.Error as error:
        conn.close()
        raise JournalUnusable(path, str(error)) from None
    except BaseException:
        conn.close()
        raise
    return conn


def _check_or_create(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        tables.discard("sqlite_sequence")
        if not tables:
            for statement in _statements(_SCHEMA_V1):
                conn.execute(statement)
            _migrate(conn, 1)
            conn.execute("COMMIT")
            return
        if "schema_version" not in tables:
            raise JournalUnusable(path, "it is an SQLite database but not an indexops journal")
        rows = conn.execute("SELECT version FROM schema_version").fetchall()
        if len(rows) != 1 or not isinstance(rows[0][0], int) or rows[0][0] < 1:
            raise JournalUnusable(path, f"its schema version is unreadable ({rows!r})")
        version = rows[0][0]
        if version > SCHEMA_VERSION:
            raise JournalSchemaTooNew(path, version, SCHEMA_VERSION)
        _migrate(conn, version)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring a journal at `version` up to SCHEMA_VERSION inside the caller's transaction."""
    for step in range(version + 1, SCHEMA_VERSION + 1):
        for statement in _statements(_MIGRATIONS[step]):
            conn.execute(statement)


def _statements(script: str) -> list[str]:
    """The schema's statements, one by one (executescript would commit the open transaction)."""
    statements: list[str] = []
    current: list[str] = []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current)
        if sqlite3.complete_statement(text):
            statements.append(text)
            current = []
    return statements
