"""`indexops safe confirm SAFE_TX_HASH`: one owner's confirmation of a queued SafeTx, posted to the service.

The SafeTx is fetched, its hash recomputed from its fields (refused when the service's differs), reviewed
with `safe decode`'s decoder and optionally simulated by the caller; then signed and posted. The owner
signs EIP-712 typed data (v 27/28), or the hash as an eth_sign message (v 31/32); or approves the hash on
chain (`approveHash`, then the v 1 signature); or, for an owner that is itself a Safe, signs through it as
one of its owners (a contract signature, posted once the owner Safe's threshold is met).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from indexops.errors import UsageError
from indexops.safe.errors import SignerNotOwner
from indexops.safe.service import TransactionService
from indexops.safe.service_tx import QueuedSafeTx
from indexops.safe.signatures import SafeSignature, eth_sign_safe_tx_hash, sign_safe_tx, signed_by
from indexops.workflows.safe.chain import SafeState
from indexops.workflows.safe.exec import AlreadyExecuted, NonceNotNext
from indexops.workflows.safe.owner_signatures import approve_hash, sign_as_contract_owner

How = Literal["eip712", "eth_sign", "approve_hash"]


class AlreadyConfirmed(UsageError):
    def __init__(self, owner: str, safe_tx_hash: bytes):
        super().__init__(f"{owner} has already confirmed 0x{safe_tx_hash.hex()}: nothing was posted")


class ContractSignatureIncomplete(UsageError):
    def __init__(self, owner_safe: str, signed: int, needed: int, accepted: bool):
        why = (
            f"it holds {signed} of the {needed} signature(s) of its owners"
            if signed < needed
            else "the owner Safe does not accept it (isValidSignature)"
        )
        super().__init__(
            f"the contract signature of {owner_safe} is not complete: {why}; nothing was posted "
            "(the service takes a contract signature only whole)"
        )


@dataclass(frozen=True)
class Confirmed:
    nonce: int
    safe_tx_hash: str
    owner: str
    kind: str
    signers: tuple[str, ...]  # every owner with a confirmation now, as the service will list them
    threshold: int
    approved_in: str | None = None  # the approveHash transaction, for an approved-hash confirmation
    signed_for: str | None = None  # the owner Safe, for a contract signature


def check_confirmable(queued: QueuedSafeTx, state: SafeState) -> None:
    if queued.executed:
        raise AlreadyExecuted(queued.safe_tx_hash, f"in {queued.transaction_hash or 'a transaction'}")
    if queued.safe_tx.nonce < state.nonce:
        raise NonceNotNext(queued.safe_tx.nonce, state.nonce)


def confirm_queued(
    connection,
    service: TransactionService,
    queued: QueuedSafeTx,
    state: SafeState,
    signer,
    *,
    how: How = "eip712",
    as_owner: str | None = None,
    receipt_timeout: int = 180,
) -> Confirmed:
    check_confirmable(queued, state)
    owner = as_owner or signer.address
    digest = queued.safe_tx_hash
    if owner in queued.signers:
        raise AlreadyConfirmed(owner, digest)
    approved_in = None
    if as_owner is not None:
        made = sign_as_contract_owner(connection.w3, state, queued.safe_tx, as_owner, signer)
        if not made.accepted:
            raise ContractSignatureIncomplete(as_owner, len(made.signed_by), made.needed, made.accepted)
        signature = made.signature
    elif signer.address not in state.owners:
        raise SignerNotOwner(signer.address)
    elif how == "approve_hash":
        approval = approve_hash(connection, state, digest, signer, receipt_timeout=receipt_timeout)
        signature, approved_in = approval.signature, approval.tx_hash
    else:
        signature = _ecdsa(queued, signer, how)
    service.confirm(digest, signature.hex())
    return Confirmed(
        nonce=queued.safe_tx.nonce,
        safe_tx_hash="0x" + digest.hex(),
        owner=owner,
        kind=signature.kind.value,
        signers=(*queued.signers, owner),
        threshold=state.threshold,
        approved_in=approved_in,
        signed_for=as_owner,
    )


def _ecdsa(queued: QueuedSafeTx, signer, how: How) -> SafeSignature:
    if how == "eth_sign":
        return signed_by(eth_sign_safe_tx_hash(queued.safe_tx_hash, signer.sign_message), signer.address)
    return signed_by(sign_safe_tx(queued.safe_tx, signer.sign_typed_data), signer.address)
