"""Transaction receipts for many hashes in few batches, final ones cached: who sent each transaction, to what,
and what its gas cost (gasUsed x effectiveGasPrice, the price per gas the sender paid, tip included)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_utils import to_checksum_address

from indexops.chain.answers import GarbageAnswer, quantity, shown
from indexops.chain.history import batches
from indexops.chain.history.history import ChainHistory

_FIELDS = ("transactionHash", "blockNumber", "transactionIndex", "from", "to", "gasUsed", "effectiveGasPrice", "status")


@dataclass(frozen=True)
class Receipt:
    tx_hash: str  # lower case
    block: int
    index: int  # its position in the block
    sender: str  # checksummed
    to: str | None  # checksummed; None for a contract creation
    gas_used: int
    effective_gas_price: int  # wei per gas
    status: int  # 1 mined, 0 reverted (its gas paid all the same)

    @property
    def fee_wei(self) -> int:
        return self.gas_used * self.effective_gas_price


def receipts(history: ChainHistory, hashes: Iterable[str]) -> dict[str, Receipt]:
    """tx hash (lower case) -> its receipt, for the hashes this chain has mined; the others are left out."""
    wanted = sorted({h.lower() for h in hashes})
    raw = history.cache.receipts(history.genesis, wanted)
    history.counts.receipts_from_cache += len(raw)
    missing = [h for h in wanted if h not in raw]
    fresh: list[dict] = []
    for group in batches.groups(missing):
        answers = batches.send(history.connection, [("eth_getTransactionReceipt", [h]) for h in group])
        for tx_hash, answer in zip(group, answers, strict=True):
            receipt = answer.get("result")
            if receipt is None:
                continue  # not mined on this chain (a journaled transaction of another chain instance, dropped)
            fresh.append(_kept(history, tx_hash, receipt))
    history.counts.receipts_fetched += len(fresh)
    final = [r for r in fresh if history.is_final(int(r["blockNumber"], 16))]
    if final:
        history.anchor()
        history.cache.store_receipts(history.genesis, final)
    raw.update({r["transactionHash"].lower(): r for r in fresh})
    history.sync()
    return {tx_hash: _receipt(r) for tx_hash, r in raw.items()}


def _kept(history: ChainHistory, tx_hash: str, receipt: object) -> dict:
    """The fields indexops reads, checked as JSON-RPC says them."""
    if not isinstance(receipt, dict) or str(receipt.get("transactionHash", "")).lower() != tx_hash:
        raise GarbageAnswer(history.connection, f"eth_getTransactionReceipt({tx_hash})", f"{shown(receipt)}")
    kept = {name: receipt.get(name) for name in _FIELDS}
    quantities = ("blockNumber", "transactionIndex", "gasUsed", "effectiveGasPrice", "status")
    if any(quantity(kept[name]) is None for name in quantities) or not isinstance(kept["from"], str):
        raise GarbageAnswer(
            history.connection, f"eth_getTransactionReceipt({tx_hash})", "a receipt without its gas, sender or status"
        )
    return kept


def _receipt(raw: dict) -> Receipt:
    def number(name: str) -> int:
        value = quantity(raw[name])
        assert value is not None  # checked when fetched
        return value

    return Receipt(
        tx_hash=raw["transactionHash"].lower(),
        block=number("blockNumber"),
        index=number("transactionIndex"),
        sender=to_checksum_address(raw["from"]),
        to=to_checksum_address(raw["to"]) if raw.get("to") else None,
        gas_used=number("gasUsed"),
        effective_gas_price=number("effectiveGasPrice"),
        status=number("status"),
    )
