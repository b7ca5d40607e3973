"""The owner signatures that only the chain can make good: an approved hash and a Safe's contract signature.

Approved hash (v 1): the owner calls `approveHash(safeTxHash)` on the Safe from its own account; the
signature then only names the owner, and the Safe finds the approval in `approvedHashes`.

Contract signature (v 0, EIP-1271): an owner that is itself a Safe (1.3.0 or later, with a fallback handler)
signs through its own owners. Each signs the owner Safe's SafeMessage over the outer SafeTx's
`encodeTransactionData` bytes; their signatures, sorted by owner, are the contract signature's data. A
second owner of the owner Safe adds to the data already collected. The owner Safe's answer to
`isValidSignature` is read from the chain to say whether the signature is complete.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexops.chain.abis import contract
from indexops.errors import ChainError, UsageError
from indexops.execution import chain_ops
from indexops.safe.independent_hash import encoded_transaction_data
from indexops.safe.revert_codes import explain_revert
from indexops.safe.safe_message import check_contract_owner_version, safe_message_hash, safe_message_typed_data
from indexops.safe.safetx import SafeTx
from indexops.safe.signatures import (
    SafeSignature,
    SignatureKind,
    approved_hash_signature,
    contract_signature,
    encode_signatures,
    sign_typed_data,
    signed_by,
    split_signatures,
)
from indexops.workflows.safe.chain import SafeState, contract_owner_accepts, read_safe
from indexops.workflows.safe.sending import send_call


class NotAnOwnerOf(UsageError):
    def __init__(self, signer: str, safe: str, what: str = "the Safe"):
        super().__init__(f"signer {signer} is not an owner of {what} {safe}")


class OwnerSafeNotAnOwner(UsageError):
    def __init__(self, owner_safe: str, safe: str):
        super().__init__(f"--as-owner {owner_safe} is not an owner of the Safe {safe}")


class ApprovalFailed(ChainError):
    def __init__(self, tx_hash: str, reason: str):
        super().__init__(f"approveHash failed in {tx_hash}: {reason}")


@dataclass(frozen=True)
class Approval:
    signature: SafeSignature
    tx_hash: str | None  # None: the owner had already approved this hash, nothing was sent


@dataclass(frozen=True)
class ContractOwnerSignature:
    signature: SafeSignature
    owner_safe: str
    signed_by: tuple[str, ...]  # the owner Safe's owners whose signatures its data holds
    needed: int  # the owner Safe's threshold
    accepted: bool  # its isValidSignature accepts the data as it is now


def approve_hash(connection, state: SafeState, safe_tx_hash: bytes, signer, *, receipt_timeout: int = 180) -> Approval:
    """`approveHash` sent from the owner's own account (simulated first); the approved-hash signature that follows."""
    if signer.address not in state.owners:
        raise NotAnOwnerOf(signer.address, state.address)
    safe = contract(connection.w3, "GnosisSafe", state.address)
    signature = approved_hash_signature(signer.address)
    if safe.functions.approvedHashes(signer.address, safe_tx_hash).call() != 0:
        return Approval(signature, None)
    data = safe.encode_abi("approveHash", args=[safe_tx_hash])
    try:
        chain_ops.simulate(connection.w3, signer.address, state.address, data)
    except ValueError as error:
        raise ChainError(f"approveHash would revert: {explain_revert(str(error))}; nothing was sent") from None
    sent = send_call(connection.w3, connection.chain_id, signer, state.address, data, receipt_timeout=receipt_timeout)
    if sent.receipt["status"] != 1:
        raise ApprovalFailed(sent.tx_hash, "the transaction reverted")
    if safe.functions.approvedHashes(signer.address, safe_tx_hash).call() == 0:
        raise ApprovalFailed(sent.tx_hash, "approvedHashes still reads 0")
    return Approval(signature, sent.tx_hash)


def sign_as_contract_owner(
    w3, state: SafeState, tx: SafeTx, owner_safe: str, signer, earlier: SafeSignature | None = None
) -> ContractOwnerSignature:
    """The owner Safe's contract signature for `tx`, with `signer`'s signature added to those in `earlier`."""
    if owner_safe not in state.owners:
        raise OwnerSafeNotAnOwner(owner_safe, state.address)
    owner = read_safe(w3, owner_safe)
    check_contract_owner_version(owner.version)
    if signer.address not in owner.owners:
        raise NotAnOwnerOf(signer.address, owner_safe, "the owner Safe")
    message = encoded_transaction_data(tx)
    digest = safe_message_hash(owner_safe, tx.chain_id, owner.version, message)
    typed = safe_message_typed_data(owner_safe, tx.chain_id, owner.version, message)
    mine = signed_by(sign_typed_data(typed, digest, signer.sign_typed_data), signer.address)
    kept = _inner_signatures(earlier, digest, owner.version, owner.owners, signer.address)
    inner = sorted([*kept, mine], key=lambda signature: int(signature.owner, 16))
    signature = contract_signature(owner_safe, encode_signatures(inner))
    accepted = contract_owner_accepts(w3, state.address, owner_safe, message, signature.contract_data)
    return ContractOwnerSignature(signature, owner_safe, tuple(s.owner for s in inner), owner.threshold, accepted)


def _inner_signatures(
    earlier: SafeSignature | None, digest: bytes, version: str, owners: tuple[str, ...], signer: str
) -> list[SafeSignature]:
    if earlier is None or earlier.kind is not SignatureKind.CONTRACT or not earlier.contract_data:
        return []
    return [
        signature
        for signature in split_signatures(earlier.contract_data, digest, version)
        if signature.owner in owners and signature.owner != signer
    ]
