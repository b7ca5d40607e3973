"""The transactions given accounts sent to given contracts over a range of blocks.

eth_getLogs shows logs, not transactions: the transactions are found from the logs the contracts (and what they
act on) emitted, whose transaction hashes are looked up (receipts, batched), plus hashes known otherwise (the
execution journal's). What this does not see: a transaction that left no log among those read, above all one
that reverted (its gas is paid, its logs are gone) unless its hash is known; and a call made through another
contract (a Safe, a multicall, a keeper contract), whose receipt names that contract as `to` and its caller as
`from`, unless those are among the accounts and contracts given.
"""

from __future__ import annotations

from collections.abc import Iterable

from indexops.chain.history.history import ChainHistory
from indexops.chain.history.receipts import Receipt, receipts


def sent_transactions(
    history: ChainHistory,
    accounts: Iterable[str],
    contracts: Iterable[str],
    first: int,
    last: int,
    seen_in: Iterable[dict] = (),
    known: Iterable[str] = (),
) -> list[Receipt]:
    """Receipts, in chain order, of the transactions in [first, last] sent by one of `accounts`: those of the
    `seen_in` logs sent to one of `contracts`, and those of the `known` hashes whatever they were sent to."""
    senders = {a.lower() for a in accounts}
    targets = {c.lower() for c in contracts}
    from_logs = {str(log["transactionHash"]).lower() for log in seen_in}
    by_hand = {h.lower() for h in known}
    found = receipts(history, from_logs | by_hand)
    kept = [
        receipt
        for tx_hash, receipt in found.items()
        if first <= receipt.block <= last
        and receipt.sender.lower() in senders
        and (tx_hash in by_hand or (receipt.to is not None and receipt.to.lower() in targets))
    ]
    return sorted(kept, key=lambda r: (r.block, r.index))
