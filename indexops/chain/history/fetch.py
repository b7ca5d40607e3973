"""eth_getLogs over long block ranges: each query's range cut into chunks, the chunks of every query sent together
(a batch of at most `LOGS_PER_BATCH` requests per round trip), and a chunk a provider refuses as too big
(`refusals.py`) halved, or cut to the range the provider suggests, and asked again; after `GROW_AFTER` answers
in a row a query's chunks double again, up to `max_chunk` and never past a width a provider refused as a range.

Any other error answer is one line naming the RPC (without credentials), the blocks and the message; a single
block still refused is the same line. An answer that is not a list of logs of the blocks asked is a GarbageAnswer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from indexops.chain.answers import GarbageAnswer, quantity, shown
from indexops.chain.connection import display_url, without_urls
from indexops.chain.history import batches
from indexops.chain.history.refusals import RANGE, Refusal, refusal
from indexops.errors import ChainError

MAX_CHUNK_BLOCKS = 10_000  # most providers' widest range, or the range in which they answer 10,000 logs
LOGS_PER_BATCH = 10
GROW_AFTER = 2


@dataclass(frozen=True)
class LogQuery:
    """An eth_getLogs filter without its blocks: the emitting contracts, and per topic position either any value
    (None) or one of several."""

    addresses: tuple[str, ...]
    topics: tuple[tuple[str, ...] | None, ...] = ()

    @staticmethod
    def of(addresses: str | Sequence[str], *topics: str | Sequence[str] | None) -> LogQuery:
        listed = (addresses,) if isinstance(addresses, str) else tuple(addresses)
        return LogQuery(
            addresses=tuple(sorted({a.lower() for a in listed})),
            topics=tuple(
                None if t is None else ((t.lower(),) if isinstance(t, str) else tuple(x.lower() for x in t))
                for t in topics
            ),
        )

    @property
    def key(self) -> str:
        """How the cache names the query."""
        return json.dumps([list(self.addresses), [None if t is None else list(t) for t in self.topics]])

    def filter(self, first: int, last: int) -> dict:
        topics = [None if t is None else (t[0] if len(t) == 1 else list(t)) for t in self.topics]
        addresses = self.addresses[0] if len(self.addresses) == 1 else list(self.addresses)
        return {"address": addresses, "topics": topics, "fromBlock": hex(first), "toBlock": hex(last)}


@dataclass
class FetchCounts:
    requests: int = 0  # eth_getLogs requests sent
    round_trips: int = 0  # batches that carried them
    refusals: int = 0  # chunks refused as too big
    logs: int = 0  # logs the RPC answered


@dataclass
class _Work:
    query: LogQuery
    todo: list[tuple[int, int]]
    chunk: int
    answered_in_a_row: int = 0
    logs: list[dict] = field(default_factory=list)


Done = Callable[[LogQuery, int, int, list[dict]], None]  # told each range answered, before the next batch


class LogFetcher:
    """Fetches ranges of log queries from one connection; remembers the widest range the provider takes."""

    def __init__(self, connection, max_chunk: int = MAX_CHUNK_BLOCKS):
        self.connection = connection
        self.max_chunk = max_chunk
        self.ceiling = max_chunk  # lowered for good when the provider refuses a range for its width
        self.counts = FetchCounts()

    def fetch(self, ranges: Sequence[tuple[LogQuery, int, int]], done: Done | None = None) -> dict[LogQuery, list]:
        """Every log of each (query, first, last), by query, in chain order; `done(query, first, last, logs)` hears
        of each range as it is answered (so a cache keeps what was fetched even if a later range fails)."""
        work: dict[LogQuery, _Work] = {}
        for query, first, last in ranges:
            if first > last:
                continue
            entry = work.setdefault(query, _Work(query, [], min(self.ceiling, self.max_chunk)))
            entry.todo.append((first, last))
        pending = [w for w in work.values() if w.todo]
        while pending:
            asked = self._next_batch(pending)
            answers = self._send(asked)
            for (entry, first, last), answer in zip(asked, answers, strict=True):
                self._settle(entry, first, last, answer, done)
            pending = [w for w in work.values() if w.todo]
        return {
            query: sorted(entry.logs, key=lambda log: (int(log["blockNumber"], 16), int(log["logIndex"], 16)))
            for query, entry in work.items()
        }

    def _next_batch(self, pending: list[_Work]) -> list[tuple[_Work, int, int]]:
        """Up to LOGS_PER_BATCH chunks, taken from the queries in turn."""
        asked: list[tuple[_Work, int, int]] = []
        taken = {id(entry): 0 for entry in pending}
        while len(asked) < LOGS_PER_BATCH:
            progressed = False
            for entry in pending:
                if len(asked) >= LOGS_PER_BATCH or taken[id(entry)] >= len(entry.todo):
                    continue
                first, last = entry.todo[taken[id(entry)]]
                width = min(entry.chunk, self.ceiling)
                if last - first + 1 > width:
                    entry.todo[taken[id(entry)]] = (first + width, last)
                    entry.todo.insert(taken[id(entry)], (first, first + width - 1))
                    last = first + width - 1
                asked.append((entry, first, last))
                taken[id(entry)] += 1
                progressed = True
            if not progressed:
                break
        for entry in pending:  # what is asked now leaves the to-do list; a refused chunk goes back
            del entry.todo[: taken[id(entry)]]
        return asked

    def _send(self, asked: list[tuple[_Work, int, int]]) -> list[dict]:
        requests = [("eth_getLogs", [entry.query.filter(first, last)]) for entry, first, last in asked]
        self.counts.requests += len(requests)
        self.counts.round_trips += 1
        try:
            return batches.send(self.connection, requests)
        except batches.BatchRefused as refused:
            if refusal(refused.error) is None:
                raise
            return [{"error": refused.error}] * len(requests)  # the batch as a whole was too big: each chunk was

    def _settle(self, entry: _Work, first: int, last: int, answer: dict, done: Done | None) -> None:
        if "error" in answer:
            refused = refusal(answer["error"])
            if refused is None or first == last:
                raise LogsRefused(self.connection, entry.query, first, last, answer["error"], refused is not None)
            self.counts.refusals += 1
            self._shrink(entry, first, last, refused)
            entry.todo.insert(0, (first, last))
            entry.todo.sort()
            return
        logs = _checked_logs(self.connection, answer["result"], first, last)
        self.counts.logs += len(logs)
        entry.logs.extend(logs)
        entry.answered_in_a_row += 1
        if entry.answered_in_a_row >= GROW_AFTER:
            entry.chunk, entry.answered_in_a_row = min(entry.chunk * 2, self.ceiling, self.max_chunk), 0
        if done is not None:
            done(entry.query, first, last, logs)

    def _shrink(self, entry: _Work, first: int, last: int, refused: Refusal) -> None:
        width = last - first + 1
        smaller = max(1, width // 2)
        if refused.suggested is not None and refused.suggested[0] == first:
            smaller = max(1, min(smaller, refused.suggested[1] - first + 1))
        entry.chunk, entry.answered_in_a_row = min(entry.chunk, smaller), 0
        if refused.kind == RANGE:
            self.ceiling = min(self.ceiling, smaller)


class LogsRefused(ChainError):
    def __init__(self, connection, query: LogQuery, first: int, last: int, error: object, too_big: bool):
        message = error.get("message", error) if isinstance(error, dict) else error
        code = error.get("code") if isinstance(error, dict) else None
        said = without_urls(str(message)).splitlines()[0][:160] if str(message) else "an error"
        where = ", ".join(query.addresses)
        blocks = f"block {first}" if first == last else f"blocks {first}-{last}"
        still = "even for one block: " if too_big else ""
        super().__init__(
            f"the RPC at {display_url(connection.rpc_url)} refused eth_getLogs of {where} for {blocks}: {still}"
            f"{said}" + (f" (code {code})" if code is not None else "")
        )


def _checked_logs(connection, result: object, first: int, last: int) -> list[dict]:
    if not isinstance(result, list):
        raise GarbageAnswer(connection, "eth_getLogs", f"{shown(result)}, not a list of logs")
    for log in result:
        block = quantity(log.get("blockNumber")) if isinstance(log, dict) else None
        if (
            block is None
            or not first <= block <= last
            or quantity(log.get("logIndex")) is None
            or not isinstance(log.get("topics"), list)
            or not isinstance(log.get("transactionHash"), str)
        ):
            raise GarbageAnswer(connection, "eth_getLogs", f"a log {shown(log)} outside blocks {first}-{last}")
    return result
