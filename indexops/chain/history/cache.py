"""The history cache: one SQLite file in the user cache dir holding what a chain said about blocks that no longer
change, keyed by the chain's genesis hash (the journal's name for a chain instance: a fresh sandbox has the same
chain id and other blocks).

For each log query (its addresses and topics, `LogQuery.key`) it keeps the logs and the block ranges they cover,
so a re-run asks the RPC only for the blocks outside them; and receipts, block headers and archive read answers
by block. Only blocks at least `FINALITY_BLOCKS` below the head are written (`history.py`).

The anchor is the highest block the cache relied on for a chain, with its hash: when the chain no longer has
that block with that hash (a sandbox reverted to a snapshot, a reorg deeper than the finality margin), every row
of that chain is dropped and read again. A file that is not a usable cache is one line naming it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from indexops.errors import UsageError

CACHE_FILE = "history.sqlite3"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 10

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS anchors (genesis TEXT PRIMARY KEY, block INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spans (
    genesis TEXT NOT NULL, query TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
    PRIMARY KEY (genesis, query, first)
);
CREATE TABLE IF NOT EXISTS logs (
    genesis TEXT NOT NULL, query TEXT NOT NULL, block INTEGER NOT NULL, log_index INTEGER NOT NULL, log TEXT NOT NULL,
    PRIMARY KEY (genesis, query, block, log_index)
);
CREATE TABLE IF NOT EXISTS receipts (
    genesis TEXT NOT NULL, tx_hash TEXT NOT NULL, block INTEGER NOT NULL, receipt TEXT NOT NULL,
    PRIMARY KEY (genesis, tx_hash)
);
CREATE TABLE IF NOT EXISTS headers (
    genesis TEXT NOT NULL, block INTEGER NOT NULL, hash TEXT NOT NULL, timestamp INTEGER NOT NULL,
    PRIMARY KEY (genesis, block)
);
CREATE TABLE IF NOT EXISTS calls (
    genesis TEXT NOT NULL, block INTEGER NOT NULL, request TEXT NOT NULL, result TEXT NOT NULL,
    PRIMARY KEY (genesis, block, request)
);
CREATE TABLE IF NOT EXISTS creations (
    genesis TEXT NOT NULL, address TEXT NOT NULL, block INTEGER NOT NULL, PRIMARY KEY (genesis, address)
);
"""
_CHAIN_TABLES = ("spans", "logs", "receipts", "headers", "calls", "creations", "anchors")


def default_cache_path(cache_dir: Path | None = None) -> Path:
    if cache_dir is None:
        from indexops.paths import user_cache_dir

        cache_dir = user_cache_dir()
    return Path(cache_dir) / CACHE_FILE


class CacheUnusable(UsageError):
    def __init__(self, path: Path, why: str):
        super().__init__(f"the history cache {path} is unusable ({why}): delete it and run the command again")


class HistoryCache:
    """One open cache file; every method is one SQLite transaction."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
            with self._write() as db:
                for statement in _SCHEMA.strip().split(";\n"):
                    if statement.strip():
                        db.execute(statement)
                rows = db.execute("SELECT version FROM schema_version").fetchall()
                if not rows:
                    db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
                elif rows != [(SCHEMA_VERSION,)]:
                    raise CacheUnusable(self.path, f"schema version {rows[0][0]}, this indexops reads {SCHEMA_VERSION}")
        except sqlite3.Error as error:
            raise CacheUnusable(self.path, str(error)) from None
        except OSError as error:
            raise CacheUnusable(self.path, error.strerror or str(error)) from None

    def close(self) -> None:
        self._db.close()

    def _write(self):
        db = self._db

        class Transaction:
            def __enter__(self):
                db.execute("BEGIN IMMEDIATE")
                return db

            def __exit__(self, kind, *_):
                db.execute("COMMIT" if kind is None else "ROLLBACK")

        return Transaction()

    # ---- the anchor --------------------------------------------------------------------------

    def anchors(self) -> dict[str, tuple[int, str]]:
        """genesis -> (block, hash) of the highest block the cache relied on for that chain."""
        return {genesis: (block, hash_) for genesis, block, hash_ in self._db.execute("SELECT * FROM anchors")}

    def raise_anchor(self, genesis: str, block: int, block_hash: str) -> None:
        with self._write() as db:
            row = db.execute("SELECT block FROM anchors WHERE genesis = ?", (genesis,)).fetchone()
            if row is None or row[0] < block:
                db.execute("INSERT OR REPLACE INTO anchors VALUES (?, ?, ?)", (genesis, block, block_hash))

    def forget(self, genesis: str) -> None:
        """Drop every row of the chain: it no longer has the blocks they were read from."""
        with self._write() as db:
            for table in _CHAIN_TABLES:
                db.execute(f"DELETE FROM {table} WHERE genesis = ?", (genesis,))

    # ---- logs ---------------------------------------------------------------------------------

    def gaps(self, genesis: str, query: str, first: int, last: int) -> list[tuple[int, int]]:
        """The parts of [first, last] no stored span covers, in order."""
        spans = self._db.execute(
            "SELECT first, last FROM spans WHERE genesis = ? AND query = ? AND last >= ? AND first <= ? ORDER BY first",
            (genesis, query, first, last),
        ).fetchall()
        gaps, cursor = [], first
        for span_first, span_last in spans:
            if span_first > cursor:
                gaps.append((cursor, span_first - 1))
            cursor = max(cursor, span_last + 1)
        if cursor <= last:
            gaps.append((cursor, last))
        return gaps

    def store_logs(self, genesis: str, query: str, first: int, last: int, logs: Sequence[dict]) -> None:
        """The logs of [first, last], and the span as covered (merged with the spans it touches)."""
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO logs VALUES (?, ?, ?, ?, ?)",
                [
                    (genesis, query, int(log["blockNumber"], 16), int(log["logIndex"], 16), json.dumps(log))
                    for log in logs
                ],
            )
            touching = db.execute(
                "SELECT first, last FROM spans WHERE genesis = ? AND query = ? AND last >= ? AND first <= ?",
                (genesis, query, first - 1, last + 1),
            ).fetchall()
            merged_first = min([first, *(row[0] for row in touching)])
            merged_last = max([last, *(row[1] for row in touching)])
            db.execute(
                "DELETE FROM spans WHERE genesis = ? AND query = ? AND last >= ? AND first <= ?",
                (genesis, query, first - 1, last + 1),
            )
            db.execute("INSERT INTO spans VALUES (?, ?, ?, ?)", (genesis, query, merged_first, merged_last))

    def logs(self, genesis: str, query: str, first: int, last: int) -> list[dict]:
        rows = self._db.execute(
            "SELECT log FROM logs WHERE genesis = ? AND query = ? AND block BETWEEN ? AND ? ORDER BY block, log_index",
            (genesis, query, first, last),
        )
        return [json.loads(row[0]) for row in rows]

    # ---- receipts, headers, archive reads, creation blocks -----------------------------------

    def receipts(self, genesis: str, hashes: Iterable[str]) -> dict[str, dict]:
        return self._by_key("SELECT tx_hash, receipt FROM receipts WHERE genesis = ? AND tx_hash IN", genesis, hashes)

    def store_receipts(self, genesis: str, receipts: Iterable[dict]) -> None:
        rows = [(genesis, r["transactionHash"].lower(), int(r["blockNumber"], 16), json.dumps(r)) for r in receipts]
        with self._write() as db:
            db.executemany("INSERT OR REPLACE INTO receipts VALUES (?, ?, ?, ?)", rows)

    def headers(self, genesis: str, blocks: Iterable[int]) -> dict[int, tuple[str, int]]:
        wanted = sorted(set(blocks))
        found: dict[int, tuple[str, int]] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            query = f"SELECT block, hash, timestamp FROM headers WHERE genesis = ? AND block IN ({marks})"
            for block, hash_, timestamp in self._db.execute(query, (genesis, *part)):
                found[block] = (hash_, timestamp)
        return found

    def store_headers(self, genesis: str, headers: Iterable[tuple[int, str, int]]) -> None:
        with self._write() as db:
            db.executemany("INSERT OR REPLACE INTO headers VALUES (?, ?, ?, ?)", [(genesis, *h) for h in headers])

    def calls(self, genesis: str, requests: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
        """(block, request) -> the result answered for it."""
        found = {}
        for block, request in requests:
            row = self._db.execute(
                "SELECT result FROM calls WHERE genesis = ? AND block = ? AND request = ?", (genesis, block, request)
            ).fetchone()
            if row is not None:
                found[(block, request)] = row[0]
        return found

    def store_calls(self, genesis: str, answers: Iterable[tuple[int, str, str]]) -> None:
        with self._write() as db:
            db.executemany("INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?)", [(genesis, *a) for a in answers])

    def creation(self, genesis: str, address: str) -> int | None:
        row = self._db.execute(
            "SELECT block FROM creations WHERE genesis = ? AND address = ?", (genesis, address.lower())
        ).fetchone()
        return None if row is None else int(row[0])

    def store_creation(self, genesis: str, address: str, block: int) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO creations VALUES (?, ?, ?)", (genesis, address.lower(), block))

    def _by_key(self, select: str, genesis: str, keys: Iterable[str]) -> dict[str, dict]:
        wanted = sorted({key.lower() for key in keys})
        found = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            rows = self._db.execute(f"{select} ({','.join('?' * len(part))})", (genesis, *part))
            found.update({key: json.loads(value) for key, value in rows})
        return found
