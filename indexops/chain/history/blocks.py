"""Block headers at many blocks in few batches (final ones cached), the first block at or after a time (a search
on timestamps, `PROBES` blocks a round trip), and the block a contract was created in."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from eth_utils import keccak

from indexops.chain.answers import GarbageAnswer, quantity, shown
from indexops.chain.history import batches
from indexops.chain.history.fetch import LogQuery
from indexops.chain.history.history import ChainHistory

PROBES = 16  # blocks probed per round trip: a 20 M block chain is searched in 6 rounds
SET_TOKEN_CREATED = "0x" + keccak(text="SetTokenCreated(address,address,string,string)").hex()


def timestamps(history: ChainHistory, blocks: Iterable[int]) -> dict[int, int]:
    """block -> its timestamp."""
    return {block: timestamp for block, (_, timestamp) in headers(history, blocks).items()}


def headers(history: ChainHistory, blocks: Iterable[int]) -> dict[int, tuple[str, int]]:
    """block -> (hash, timestamp), for blocks up to the head."""
    wanted = sorted(set(blocks))
    found = history.cache.headers(history.genesis, [b for b in wanted if history.is_final(b)])
    history.counts.headers_from_cache += len(found)
    missing = [block for block in wanted if block not in found]
    fresh: list[tuple[int, str, int]] = []
    for group in batches.groups(missing):
        answers = batches.send(history.connection, [("eth_getBlockByNumber", [hex(b), False]) for b in group])
        for block, answer in zip(group, answers, strict=True):
            fresh.append((block, *_hash_and_time(history, block, answer)))
    history.counts.headers_fetched += len(fresh)
    final = [header for header in fresh if history.is_final(header[0])]
    if final:
        history.anchor()
        history.cache.store_headers(history.genesis, final)
    found.update({block: (block_hash, timestamp) for block, block_hash, timestamp in fresh})
    history.sync()
    return found


def first_block_at_or_after(history: ChainHistory, timestamp: int) -> int | None:
    """The first block whose timestamp is at least `timestamp`; None when even the head's is earlier."""
    low, high = 0, history.head
    known = timestamps(history, [low, high])
    if known[high] < timestamp:
        return None
    if known[low] >= timestamp:
        return low
    while high - low > 1:  # known[low] < timestamp <= known[high]
        step = max(1, (high - low) // (PROBES + 1))
        probes = list(range(low + step, high, step))[:PROBES]
        known = timestamps(history, probes)
        for block in probes:
            if known[block] < timestamp:
                low = block
            else:
                high = block
                break
    return high


def creation_block(history: ChainHistory, address: str, factories: Callable[[], Iterable[str]]) -> int | None:
    """The block a SetToken was created in: the first block with its code (a search on eth_getCode, an archive
    read), or, where the node keeps no state that old, its SetTokenCreated event from one of `factories()`. None
    when neither finds it (not a SetToken of these factories and no archive)."""
    cached = history.cache.creation(history.genesis, address)
    if cached is not None:
        return cached
    block = _first_with_code(history, address)
    if block is None:
        found = history.logs(
            [LogQuery.of(list(factories()), SET_TOKEN_CREATED, "0x" + address.lower()[2:].rjust(64, "0"))],
            0,
            history.head,
        )
        created = [int(log["blockNumber"], 16) for logs in found.values() for log in logs]
        block = min(created) if created else None
    if block is not None and history.is_final(block):
        history.anchor()
        history.cache.store_creation(history.genesis, address, block)
    return block


def _first_with_code(history: ChainHistory, address: str) -> int | None:
    """The first block at which `address` has code, or None when the node cannot say (no state that old)."""
    low, high = -1, history.head  # no code at low (or before block 0), code at high
    at_head = batches.send(history.connection, [("eth_getCode", [address, hex(high)])])[0]
    if at_head.get("result") in (None, "0x", ""):
        return None
    while high - low > 1:
        step = max(1, (high - low) // (PROBES + 1))
        probes = list(range(low + step, high, step))[:PROBES]
        answers = batches.send(history.connection, [("eth_getCode", [address, hex(b)]) for b in probes])
        history.sync()
        for block, answer in zip(probes, answers, strict=True):
            code = answer.get("result")
            if "error" in answer or not isinstance(code, str):
                return None  # pruned state: not an archive node (the sandbox keeps its last 500 blocks)
            if code in ("0x", ""):
                low = block
            else:
                high = block
                break
    return high


def _hash_and_time(history: ChainHistory, number: int, answer: dict) -> tuple[str, int]:
    block = answer.get("result")
    if not isinstance(block, dict):
        raise GarbageAnswer(history.connection, f"eth_getBlockByNumber({number})", f"no block ({shown(answer)})")
    block_hash, timestamp = block.get("hash"), quantity(block.get("timestamp"))
    if not isinstance(block_hash, str) or timestamp is None or quantity(block.get("number")) != number:
        raise GarbageAnswer(
            history.connection, f"eth_getBlockByNumber({number})", "a block without its number, hash and timestamp"
        )
    return block_hash.lower(), timestamp
