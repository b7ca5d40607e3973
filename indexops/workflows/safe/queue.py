"""A Safe's queue at a Transaction Service, read against the chain, and one queued SafeTx fetched and checked.

The service's client is made for the connection's chain id and refuses a service for another chain
before anything is read. Every queued SafeTx is rebuilt for the Safe's chain and on-chain version and its
hash recomputed; one fetched to be confirmed or executed is refused unless its fields hash to the hash
asked for. The review shown before signing is `safe decode`'s own, built from the same decoder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from indexops.config.loader import LoadedConfig
from indexops.config.selection import NetworkChoice
from indexops.errors import UsageError
from indexops.safe.errors import ServiceAnswerMalformed
from indexops.safe.independent_hash import domain_separator
from indexops.safe.service import TransactionService
from indexops.safe.service_tx import WHAT, QueuedSafeTx, queue_from_service, queued_from_service, require_matching_hash
from indexops.values import bytes32, checksummed
from indexops.workflows.safe.chain import SafeState, operated_product, read_safe
from indexops.workflows.safe.decode import Decoding, Review, review_safe_tx


class NotInService(UsageError):
    def __init__(self, url: str, safe_tx_hash: bytes):
        super().__init__(f"the Safe Transaction Service at {url} has no multisig transaction 0x{safe_tx_hash.hex()}")


class NotThisChainsSafe(UsageError):
    def __init__(self, safe: str, chain: str, reason: str):
        super().__init__(f"the queued transaction is for the Safe {safe}, which is not a Safe on {chain}: {reason}")


@dataclass(frozen=True)
class Queue:
    """The Safe as the chain has it now, and the service's transactions for it not executed yet."""

    state: SafeState
    entries: tuple[QueuedSafeTx, ...]

    def by_nonce(self) -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = {}
        for entry in self.entries:
            found.setdefault(entry.safe_tx.nonce, []).append("0x" + entry.safe_tx_hash.hex())
        return {nonce: tuple(hashes) for nonce, hashes in sorted(found.items())}


def read_queue(w3, service: TransactionService, safe: str) -> Queue:
    state = read_safe(w3, checksummed(safe, "Safe address"))
    answers = service.queue(state.address, state.nonce)
    entries = queue_from_service(
        answers, chain_id=service.chain_id, safe_version=state.version, url=service.display_url, safe=state.address
    )
    return Queue(state, tuple(e for e in entries if not e.executed and e.safe_tx.nonce >= state.nonce))


def queued_nonces(service: TransactionService | None, w3, safe: str) -> Mapping[int, tuple[str, ...]] | None:
    """What the service has queued for the Safe by nonce, or None without a service."""
    return None if service is None else read_queue(w3, service, safe).by_nonce()


def read_queued(w3, service: TransactionService, safe_tx_hash: bytes, chain: str) -> tuple[QueuedSafeTx, SafeState]:
    """One queued SafeTx, refused unless its fields hash to `safe_tx_hash`; and its Safe as the chain has it."""
    digest = bytes32(safe_tx_hash, "safeTxHash")
    answer = service.transaction(digest)
    if answer is None:
        raise NotInService(service.display_url, digest)
    try:
        safe = checksummed(answer.get("safe"), "safe")
    except UsageError as error:
        raise ServiceAnswerMalformed(service.display_url, str(error), WHAT) from None
    try:
        state = read_safe(w3, safe)
    except UsageError as error:
        raise NotThisChainsSafe(safe, chain, str(error)) from None
    queued = queued_from_service(answer, chain_id=service.chain_id, safe_version=state.version, url=service.display_url)
    if queued.safe_tx_hash != digest:
        raise ServiceAnswerMalformed(
            service.display_url, f"asked for 0x{digest.hex()}, it gave 0x{queued.safe_tx_hash.hex()}", WHAT
        )
    return require_matching_hash(queued), state


def review_queued(
    queued: QueuedSafeTx, state: SafeState, loaded: LoadedConfig, where: NetworkChoice, service_url: str
) -> Review:
    """`safe decode`'s review of one queued SafeTx: its calls decoded with names from the products file, flags."""
    tx = queued.safe_tx
    reviewed, flags = review_safe_tx(
        tx,
        queued.safe_tx_hash,
        queued.signatures,
        Decoding.for_network(loaded, where, tx),
        batch_file=f"queued at {service_url}",
        description="rejection: a zero-value call to the Safe itself, to void this nonce"
        if queued.is_rejection
        else "",
        executed_in=queued.transaction_hash if queued.executed else None,
    )
    checks = [
        f"safeTxHash 0x{queued.safe_tx_hash.hex()} recomputed from the service's fields, by raw ABI encoding "
        f"and by EIP-712 typed data, for chain {tx.chain_id} and Safe {state.version} (read from the chain)",
        f"{len(queued.confirmations)} confirmation(s) read as the Safe reads them, each by the owner the service names",
        *(f"not counted: {reason}" for reason in queued.set_aside),
    ]
    product = operated_product(loaded, where, tx.safe)
    return Review(
        path=f"{service_url} (safeTxHash 0x{queued.safe_tx_hash.hex()})",
        sidecar=None,
        network=where.name,
        chain_id=tx.chain_id,
        safe=tx.safe,
        transactions=(reviewed,),
        flags=tuple(flags),
        checks=tuple(checks),
        safe_version=state.version,
        domain_hash="0x" + domain_separator(state.version, tx.chain_id, tx.safe).hex(),
        owners=state.owners,
        threshold=state.threshold,
        product=product.key if product else None,
    )
