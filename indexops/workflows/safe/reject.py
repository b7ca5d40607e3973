"""`indexops safe reject NONCE`: the standard rejection of a queued nonce, proposed like any other SafeTx.

The rejection is a zero-value call from the Safe to itself without data, at the nonce it rejects; once
executed it uses that nonce, so every other transaction queued there can no longer execute. Only a nonce
the service has something queued at is rejected; a rejection already queued there is confirmed instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexops.errors import UsageError
from indexops.safe.errors import SignerNotOwner
from indexops.safe.nonces import choose_nonce
from indexops.safe.safetx import safe_tx_hash
from indexops.safe.service import TransactionService
from indexops.safe.service_tx import rejection_safe_tx
from indexops.safe.signatures import sign_safe_tx, signed_by
from indexops.workflows.safe.chain import read_safe_view
from indexops.workflows.safe.propose import check_service_describes
from indexops.workflows.safe.queue import read_queue


class NothingQueuedAt(UsageError):
    def __init__(self, nonce: int, safe: str, url: str):
        super().__init__(f"nothing is queued at nonce {nonce} for {safe} at {url}: nothing to reject")


class RejectionAlreadyQueued(UsageError):
    def __init__(self, nonce: int, safe_tx_hash: str):
        super().__init__(
            f"a rejection of nonce {nonce} is already queued ({safe_tx_hash}): "
            f"confirm it with `indexops safe confirm {safe_tx_hash}`"
        )


@dataclass(frozen=True)
class Rejected:
    nonce: int
    safe_tx_hash: str
    sender: str
    replaces: tuple[str, ...]


def reject_nonce(w3, service: TransactionService, safe: str, nonce: int, signer, chain_name: str) -> Rejected:
    queue = read_queue(w3, service, safe)
    state = queue.state
    if signer.address not in state.owners:
        raise SignerNotOwner(signer.address)
    choice = choose_nonce(state.nonce, queue.by_nonce(), nonce)
    if not choice.replaces:
        raise NothingQueuedAt(nonce, state.address, service.display_url)
    tx = rejection_safe_tx(state.address, service.chain_id, state.version, nonce)
    digest = safe_tx_hash(tx)
    if "0x" + digest.hex() in choice.replaces:
        raise RejectionAlreadyQueued(nonce, "0x" + digest.hex())
    check_service_describes(service, read_safe_view(w3, state.address), chain_name)
    signature = signed_by(sign_safe_tx(tx, signer.sign_typed_data), signer.address)
    service.propose(tx, digest, signer.address, signature.hex())
    return Rejected(nonce, "0x" + digest.hex(), signer.address, choice.replaces)
