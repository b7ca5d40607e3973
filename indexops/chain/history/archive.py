"""Archive reads: a `BatchReader` whose reads each name their block (`at(block)` before queueing them), so that
one batch reads many blocks (eth_call at block N for many N), sent `batches.MAX_BATCH` a round trip, with the
answers at final blocks kept in the history cache. The chain readers' queueing helpers take it as they take a
`BatchReader` (the block they read at is the reader's `block` when they queue).

A read the node cannot answer because it keeps no state that old is one line saying an archive node is needed.
"""

from __future__ import annotations

import json

from indexops.chain.batch import BatchReader
from indexops.chain.connection import display_url
from indexops.chain.history import batches
from indexops.chain.history.history import ChainHistory
from indexops.errors import ChainError

_NO_STATE_WORDS = (  # geth, erigon, nethermind, anvil --prune-history: the node kept no state that old
    "missing trie node",
    "header not found",
    "blockoutofrange",
    "pruned",
    "historical state",
    "state histor",
    "state is not available",
    "no state available",
)


class NoArchive(ChainError):
    def __init__(self, connection, block: int, message: str):
        super().__init__(
            f"the RPC at {display_url(connection.rpc_url)} has no state at block {block} ({message[:100]}): pricing a "
            "history needs an archive node (the sandbox keeps only its last 500 blocks' state)"
        )


class ArchiveReader(BatchReader):
    def __init__(self, history: ChainHistory):
        super().__init__(history.connection.w3, history.head)
        self.history = history

    def at(self, block: int) -> ArchiveReader:
        """The reads queued next are at `block`."""
        self.block = hex(block)
        return self

    def run(self) -> list:
        history = self.history
        requests, decoders = self._requests, self._decoders
        self._requests, self._decoders = [], []
        keys = [(int(params[-1], 16), json.dumps([method, params])) for method, params in requests]
        cached = history.cache.calls(history.genesis, [key for key in keys if history.is_final(key[0])])
        history.counts.calls_from_cache += len(cached)
        answers: list[dict | None] = [{"result": json.loads(cached[key])} if key in cached else None for key in keys]
        missing = [i for i, answer in enumerate(answers) if answer is None]
        fresh: list[tuple[int, str, str]] = []
        for group in batches.groups(missing):
            for i, answer in zip(group, batches.send(history.connection, [requests[i] for i in group]), strict=True):
                answers[i] = answer
                _refuse_without_state(history, keys[i][0], answer)
                if "result" in answer and history.is_final(keys[i][0]):
                    fresh.append((*keys[i], json.dumps(answer["result"])))
        history.counts.calls_fetched += len(missing)
        if fresh:
            history.anchor()
            history.cache.store_calls(history.genesis, fresh)
        history.sync()
        return [self._result(decoder, answer) for decoder, answer in zip(decoders, answers, strict=True)]


def _refuse_without_state(history: ChainHistory, block: int, answer: dict) -> None:
    error = answer.get("error")
    if not isinstance(error, dict):
        return
    message = str(error.get("message", ""))
    if any(words in message.lower() for words in _NO_STATE_WORDS) and "revert" not in message.lower():
        raise NoArchive(history.connection, block, message)
