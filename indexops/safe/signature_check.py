"""Packed signatures checked as GnosisSafe.checkNSignatures (1.0.0 to 1.4.1) checks them, in its order.

The Safe reads exactly `required` signatures and, for each in turn, checks its kind (where a contract
signature's data lies, GS021 to GS023; that the contract accepts it, GS024; that an approved hash was
approved, GS025; from 1.4.0 that the data hashes to the hash, GS027), then its owner (GS026: an owner,
above the previous one). Each refusal here carries the code the Safe reverts with.

Offline, what only the chain knows stays open: whether an approved hash was approved and whether a
contract owner accepts its signature. `ChainFacts` answers both (`safe exec` reads them from the chain),
and the verdict is then the Safe's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eth_utils import keccak

from indexops.safe.errors import (
    DuplicateSigner,
    InvalidSignature,
    NotEnoughSignatures,
    SignaturesOutOfOrder,
    SignerNotOwner,
)
from indexops.safe.signatures import (
    DEFAULT_SAFE_VERSION,
    SIGNATURE_LENGTH,
    SafeSignature,
    SignatureKind,
    owner_set,
    read_signature_at,
)
from indexops.safe.versions import parse_safe_version
from indexops.values import bytes32, hex_bytes

DATA_HASH_CHECKED_SINCE = (1, 4, 0)


@dataclass(frozen=True)
class ChainFacts:
    """What the chain says about signatures the Safe cannot check by cryptography alone; None leaves it unchecked."""

    sender: str | None = None  # who sends execTransaction: its own approved-hash signature needs no approval
    data: bytes | None = None  # the bytes the hash is the keccak of (the Safe's encodeTransactionData)
    approved: Callable[[str], bool] | None = None  # approvedHashes[owner][hash] != 0
    contract_accepts: Callable[[str, bytes, bytes], bool] | None = None  # (owner, data, signature) -> EIP-1271 yes


def check_signatures(
    blob: bytes | str,
    safe_tx_hash_: bytes,
    owners: Sequence[str],
    required: int,
    *,
    version: str = DEFAULT_SAFE_VERSION,
    chain: ChainFacts | None = None,
) -> list[SafeSignature]:
    """The `required` signatures the Safe reads from `blob`, if it would accept them; bytes after them are ignored."""
    raw = hex_bytes(blob, "signatures")
    digest = bytes32(safe_tx_hash_, "safeTxHash")
    known = owner_set(owners, required)
    if len(raw) < required * SIGNATURE_LENGTH:
        raise NotEnoughSignatures(required, len(raw) // SIGNATURE_LENGTH)
    read: list[SafeSignature] = []
    for index in range(required):
        signature = read_signature_at(raw, digest, index, required, version)
        _check_kind(signature, index, digest, version, chain or ChainFacts())
        _check_owner(signature, read[-1] if read else None, known)
        read.append(signature)
    return read


def _check_kind(signature: SafeSignature, index: int, digest: bytes, version: str, chain: ChainFacts) -> None:
    owner = signature.owner
    if signature.kind is SignatureKind.CONTRACT:
        if (
            parse_safe_version(version) >= DATA_HASH_CHECKED_SINCE
            and chain.data is not None
            and keccak(chain.data) != digest
        ):
            raise InvalidSignature(
                "the data given to the contract owner does not hash to the safeTxHash", index, "GS027"
            )
        if chain.contract_accepts is not None and not chain.contract_accepts(
            owner, chain.data or b"", signature.contract_data
        ):
            raise InvalidSignature(
                f"the contract owner {owner} does not accept its signature (EIP-1271)", index, "GS024"
            )
    elif signature.kind is SignatureKind.APPROVED_HASH and owner != chain.sender:
        if chain.approved is not None and not chain.approved(owner):
            raise InvalidSignature(
                f"{owner} has not approved this hash and does not send the transaction", index, "GS025"
            )


def _check_owner(signature: SafeSignature, previous: SafeSignature | None, known: set[str]) -> None:
    if signature.owner not in known:
        raise SignerNotOwner(signature.owner)
    if previous is not None and signature.owner == previous.owner:
        raise DuplicateSigner(signature.owner)
    if previous is not None and int(signature.owner, 16) < int(previous.owner, 16):
        raise SignaturesOutOfOrder(previous.owner, signature.owner)
