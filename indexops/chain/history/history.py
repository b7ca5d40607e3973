"""A chain's history through one connection and the cache: which chain it is (its genesis hash), its head, and
its logs over any range, the blocks the cache covers served from it and only the others asked of the RPC.

Blocks within `FINALITY_BLOCKS` of the head may still be reorganised: they are asked every time and never
written. Opening reads block 0, the head and the cache's anchor for this chain in one batch; a cache whose
anchor block is no longer on the chain (a sandbox reverted to a snapshot) forgets that chain first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexops.chain.answers import GarbageAnswer, quantity, shown
from indexops.chain.history import batches
from indexops.chain.history.cache import HistoryCache, default_cache_path
from indexops.chain.history.fetch import MAX_CHUNK_BLOCKS, FetchCounts, LogFetcher, LogQuery

FINALITY_BLOCKS = 64  # Ethereum finalizes within two epochs (64 slots); deeper reorgs are not expected


@dataclass
class HistoryCounts:
    """What one reading cost and what the cache saved, for a benchmark to print."""

    round_trips: int = 0  # HTTP requests to the RPC since the history was opened (retries included)
    log_requests: int = 0  # eth_getLogs requests sent
    log_round_trips: int = 0  # batches that carried them
    refusals: int = 0  # log chunks a provider refused as too big
    logs_fetched: int = 0
    logs_from_cache: int = 0
    receipts_fetched: int = 0
    receipts_from_cache: int = 0
    headers_fetched: int = 0
    headers_from_cache: int = 0
    calls_fetched: int = 0  # archive reads asked of the RPC
    calls_from_cache: int = 0


class ChainHistory:
    def __init__(self, connection, cache: HistoryCache, genesis: str, head: int, head_hash: str, finality: int):
        self.connection = connection
        self.cache = cache
        self.genesis = genesis
        self.head = head
        self.head_hash = head_hash
        self.finality = finality
        self.counts = HistoryCounts()
        self.fetcher = LogFetcher(connection)
        self._start_round_trips = connection.round_trips
        self._final_hash: str | None = None

    @classmethod
    def open(
        cls,
        connection,
        cache_dir: Path | None = None,
        *,
        finality: int = FINALITY_BLOCKS,
        max_chunk: int = MAX_CHUNK_BLOCKS,
        counts: HistoryCounts | None = None,
    ) -> ChainHistory:
        cache = HistoryCache(default_cache_path(cache_dir))
        start = connection.round_trips
        anchors = cache.anchors()
        asked = [("eth_getBlockByNumber", ["0x0", False]), ("eth_getBlockByNumber", ["latest", False])]
        asked += [("eth_getBlockByNumber", [hex(block), False]) for block, _ in anchors.values()]
        answers = batches.send(connection, asked)
        genesis, _ = _header(connection, answers[0], "block 0")
        head_hash, head = _header(connection, answers[1], "the latest block")
        history = cls(connection, cache, genesis, head, head_hash, finality)
        history._start_round_trips = start
        if counts is not None:
            history.counts = counts
        history.fetcher.max_chunk = history.fetcher.ceiling = max_chunk
        for (anchored_genesis, (_, block_hash)), answer in zip(anchors.items(), answers[2:], strict=True):
            if anchored_genesis != genesis:
                continue
            still = answer.get("result")
            if not isinstance(still, dict) or str(still.get("hash", "")).lower() != block_hash:
                cache.forget(genesis)  # the chain no longer has the blocks the cache was read from
        history.sync()
        return history

    def close(self) -> None:
        self.cache.close()

    @property
    def final(self) -> int:
        """The highest block the cache may keep: `finality` blocks below the head."""
        return self.head - self.finality

    def is_final(self, block: int) -> bool:
        return block <= self.final

    def sync(self) -> None:
        self.counts.round_trips = self.connection.round_trips - self._start_round_trips
        fetched: FetchCounts = self.fetcher.counts
        self.counts.log_requests, self.counts.log_round_trips = fetched.requests, fetched.round_trips
        self.counts.refusals, self.counts.logs_fetched = fetched.refusals, fetched.logs

    def anchor(self) -> None:
        """Record that the cache relies on the chain up to the final block (its hash read once per history)."""
        if self.final < 0:
            return
        if self._final_hash is None:
            answer = batches.send(self.connection, [("eth_getBlockByNumber", [hex(self.final), False])])[0]
            self._final_hash, _ = _header(self.connection, answer, f"block {self.final}")
        self.cache.raise_anchor(self.genesis, self.final, self._final_hash)

    # ---- logs ---------------------------------------------------------------------------------

    def logs(self, queries: Sequence[LogQuery], first: int, last: int) -> dict[LogQuery, list[dict]]:
        """Every log of each query in [first, last], in chain order: covered blocks from the cache, the rest from
        the RPC (all queries' chunks batched together), the final part of what was fetched written to the cache."""
        final = min(last, self.final)
        ranges: list[tuple[LogQuery, int, int]] = []
        for query in dict.fromkeys(queries):
            if first <= final:
                ranges += [(query, a, b) for a, b in self.cache.gaps(self.genesis, query.key, first, final)]
            if last > final:
                ranges.append((query, max(first, final + 1), last))
        stored = {query: 0 for query in queries}
        if any(b <= final for _, _, b in ranges):
            self.anchor()

        def keep(query: LogQuery, a: int, b: int, logs: list[dict]) -> None:
            if b <= final:
                self.cache.store_logs(self.genesis, query.key, a, b, logs)
                stored[query] += len(logs)

        fetched = self.fetcher.fetch(ranges, keep)
        found: dict[LogQuery, list[dict]] = {}
        for query in dict.fromkeys(queries):
            cached = self.cache.logs(self.genesis, query.key, first, final) if first <= final else []
            self.counts.logs_from_cache += len(cached) - stored[query]
            fresh = [log for log in fetched.get(query, []) if int(log["blockNumber"], 16) > final]
            found[query] = cached + fresh
        self.sync()
        return found


def _header(connection, answer: dict, what: str) -> tuple[str, int]:
    """(hash, number) of a block answer."""
    block = answer.get("result")
    if not isinstance(block, dict):
        raise GarbageAnswer(connection, f"eth_getBlockByNumber({what})", f"no block ({shown(answer)})")
    number, block_hash = quantity(block.get("number")), block.get("hash")
    if number is None or not isinstance(block_hash, str) or quantity(block_hash) is None:
        raise GarbageAnswer(connection, f"eth_getBlockByNumber({what})", "a block without a hex number and hash")
    return block_hash.lower(), number
