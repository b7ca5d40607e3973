"""Safe owner signatures: making them, recovering their owner, and packing them for `execTransaction`.

Each signature is 65 bytes `r | s | v`; `v` says how to read it:
  27/28  ECDSA over the safeTxHash (EIP-712)
  31/32  ECDSA over the eth_sign message of the safeTxHash, with v + 4
  1      approved hash: r holds the owner, valid if it called approveHash or sends the transaction
  0      contract (EIP-1271): r holds the contract, s the offset of its data after the static parts
The packed bytes must be sorted by owner address, strictly increasing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Union

from eth_account.messages import encode_defunct, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_keys.exceptions import BadSignature
from eth_keys.exceptions import ValidationError as KeyValidationError
from eth_utils import keccak

from indexops.safe.errors import (
    DuplicateSigner,
    InvalidSignature,
    InvalidValue,
    NotEnoughSignatures,
    SignaturesOutOfOrder,
    SignerNotOwner,
)
from indexops.safe.inputs import address_from_word, bytes32, checksummed, hex_bytes
from indexops.safe.safetx import SafeTx, safe_tx_hash, safe_tx_typed_data

SIGNATURE_LENGTH = 65
_ETH_SIGN_V_OFFSET = 4

# A callable signer gets what it must sign and returns a 65-byte signature (bytes or 0x-hex):
# for `sign_safe_tx` the EIP-712 typed-data dict, for `eth_sign_safe_tx_hash` the 32-byte hash.
Signer = Union[LocalAccount, Callable[[Any], Any]]


class SignatureKind(Enum):
    EIP712 = "eip712"
    ETH_SIGN = "eth_sign"
    APPROVED_HASH = "approved_hash"
    CONTRACT = "contract"


@dataclass(frozen=True)
class SafeSignature:
    """One owner's signature. `contract_data` is the EIP-1271 payload of a contract signature."""

    owner: str
    kind: SignatureKind
    static: bytes
    contract_data: bytes = b""

    @property
    def verifiable_offline(self) -> bool:
        """False for approved-hash and contract signatures: only the chain can say if they hold."""
        return self.kind in (SignatureKind.EIP712, SignatureKind.ETH_SIGN)

    def hex(self) -> str:
        """0x-hex of this signature alone, as the service's `signature` field takes it."""
        return "0x" + encode_signatures([self]).hex()


def sign_safe_tx(tx: SafeTx, signer: Signer) -> SafeSignature:
    """EIP-712 signature of the SafeTx. A callable signer (e.g. a hardware wallet) gets the typed data."""
    typed = safe_tx_typed_data(tx)
    if isinstance(signer, LocalAccount):
        raw = signer.sign_message(encode_typed_data(full_message=typed)).signature
    else:
        raw = signer(typed)
    signature = _ecdsa_signature(raw, safe_tx_hash(tx), v_offset=0)
    _check_signer(signer, signature)
    return signature


def sign_safe_tx_hash(safe_tx_hash_: bytes, account: LocalAccount) -> SafeSignature:
    """EIP-712-kind signature (v 27/28) made directly over the 32-byte safeTxHash."""
    digest = bytes32(safe_tx_hash_, "safeTxHash")
    raw = account.unsafe_sign_hash(digest).signature
    signature = _ecdsa_signature(raw, digest, v_offset=0)
    _check_signer(account, signature)
    return signature


def eth_sign_safe_tx_hash(safe_tx_hash_: bytes, signer: Signer) -> SafeSignature:
    """eth_sign (personal message) signature of the 32-byte safeTxHash; the Safe wants v + 4."""
    digest = bytes32(safe_tx_hash_, "safeTxHash")
    if isinstance(signer, LocalAccount):
        raw = signer.sign_message(encode_defunct(primitive=digest)).signature
    else:
        raw = signer(digest)
    signature = _ecdsa_signature(raw, digest, v_offset=_ETH_SIGN_V_OFFSET)
    _check_signer(signer, signature)
    return signature


def approved_hash_signature(owner: str) -> SafeSignature:
    owner = checksummed(owner, "owner")
    static = _address_word(owner) + bytes(32) + bytes([1])
    return SafeSignature(owner=owner, kind=SignatureKind.APPROVED_HASH, static=static)


def contract_signature(owner: str, data: bytes = b"") -> SafeSignature:
    """EIP-1271 signature of a contract owner; its offset is filled in when packed."""
    owner = checksummed(owner, "contract owner")
    static = _address_word(owner) + bytes(32) + bytes([0])
    payload = hex_bytes(data, "contract signature data")
    return SafeSignature(owner=owner, kind=SignatureKind.CONTRACT, static=static, contract_data=payload)


def parse_signature(signature: bytes | str, safe_tx_hash_: bytes) -> SafeSignature:
    """Recover the owner of one 65-byte signature over `safe_tx_hash_` (contract data, if any, is not read)."""
    raw = hex_bytes(signature, "signature")
    if len(raw) != SIGNATURE_LENGTH:
        raise InvalidSignature(f"expected {SIGNATURE_LENGTH} bytes, got {len(raw)}")
    return _parse_static(raw, bytes32(safe_tx_hash_, "safeTxHash"))


def split_signatures(blob: bytes | str, safe_tx_hash_: bytes) -> list[SafeSignature]:
    """Parse packed signatures in their given order, with the dynamic parts of contract signatures."""
    raw = hex_bytes(blob, "signatures")
    digest = bytes32(safe_tx_hash_, "safeTxHash")
    if not raw:
        return []
    signatures: list[SafeSignature] = []
    static_end = len(raw)  # shrinks to the first contract-signature offset: data lives after the static parts
    position = 0
    while position < static_end:
        index = len(signatures)
        chunk = raw[position : position + SIGNATURE_LENGTH]
        if len(chunk) < SIGNATURE_LENGTH or position + SIGNATURE_LENGTH > static_end:
            raise InvalidSignature(f"truncated: {len(raw[position:static_end])} bytes where 65 are needed", index)
        try:
            parsed = _parse_static(chunk, digest)
        except InvalidSignature as error:
            raise InvalidSignature(error.reason, index) from None
        if parsed.kind is SignatureKind.CONTRACT:
            offset = int.from_bytes(chunk[32:64], "big")
            payload = _contract_data(raw, offset, position, index)
            parsed = SafeSignature(parsed.owner, parsed.kind, parsed.static, payload)
            static_end = min(static_end, offset)
        signatures.append(parsed)
        position += SIGNATURE_LENGTH
    return signatures


def encode_signatures(signatures: Sequence[SafeSignature]) -> bytes:
    """Pack in the given order: static parts, then each contract signature's length-prefixed data."""
    static_parts, dynamic = [], b""
    dynamic_start = SIGNATURE_LENGTH * len(signatures)
    for signature in signatures:
        if signature.kind is SignatureKind.CONTRACT:
            offset = dynamic_start + len(dynamic)
            static_parts.append(signature.static[:32] + offset.to_bytes(32, "big") + bytes([0]))
            dynamic += len(signature.contract_data).to_bytes(32, "big") + signature.contract_data
        else:
            static_parts.append(signature.static)
    return b"".join(static_parts) + dynamic


def combine(signatures: Sequence[SafeSignature], owners: Sequence[str], threshold: int) -> bytes:
    """The `signatures` argument of execTransaction: checked against owners and threshold, sorted by owner."""
    owner_set = _owner_set(owners, threshold)
    seen: set[str] = set()
    for signature in signatures:
        if signature.owner not in owner_set:
            raise SignerNotOwner(signature.owner)
        if signature.owner in seen:
            raise DuplicateSigner(signature.owner)
        seen.add(signature.owner)
    if len(signatures) < threshold:
        raise NotEnoughSignatures(threshold, len(signatures))
    return encode_signatures(sorted(signatures, key=lambda signature: int(signature.owner, 16)))


def check_signatures(
    blob: bytes | str, safe_tx_hash_: bytes, owners: Sequence[str], threshold: int
) -> list[SafeSignature]:
    """Check packed signatures as given (not re-sorted): owners, order, duplicates, threshold."""
    owner_set = _owner_set(owners, threshold)
    signatures = split_signatures(blob, safe_tx_hash_)
    previous: SafeSignature | None = None
    for signature in signatures:
        if signature.owner not in owner_set:
            raise SignerNotOwner(signature.owner)
        if previous is not None:
            if signature.owner == previous.owner:
                raise DuplicateSigner(signature.owner)
            if int(signature.owner, 16) < int(previous.owner, 16):
                raise SignaturesOutOfOrder(previous.owner, signature.owner)
        previous = signature
    if len(signatures) < threshold:
        raise NotEnoughSignatures(threshold, len(signatures))
    return signatures


def _owner_set(owners: Sequence[str], threshold: int) -> set[str]:
    owner_set = {checksummed(owner, "owner") for owner in owners}
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= len(owner_set):
        raise InvalidValue("threshold", f"must be between 1 and the {len(owner_set)} owner(s), got {threshold!r}")
    return owner_set


def _parse_static(chunk: bytes, digest: bytes) -> SafeSignature:
    r, s, v = chunk[:32], chunk[32:64], chunk[64]
    if v in (27, 28):
        return SafeSignature(_recover(digest, v, r, s), SignatureKind.EIP712, chunk)
    if v in (31, 32):
        owner = _recover(_eth_signed_message_hash(digest), v - _ETH_SIGN_V_OFFSET, r, s)
        return SafeSignature(owner, SignatureKind.ETH_SIGN, chunk)
    if v in (0, 1):
        if any(r[:12]):
            raise InvalidSignature(f"v={v} but r does not hold an address")
        kind = SignatureKind.CONTRACT if v == 0 else SignatureKind.APPROVED_HASH
        return SafeSignature(address_from_word(r), kind, chunk)
    raise InvalidSignature(f"v={v} is not a Safe signature type (27/28, 31/32, 1 or 0)")


def _contract_data(raw: bytes, offset: int, position: int, index: int) -> bytes:
    if offset < position + SIGNATURE_LENGTH or offset + 32 > len(raw):
        raise InvalidSignature(f"contract signature data offset {offset} is outside the signatures", index)
    length = int.from_bytes(raw[offset : offset + 32], "big")
    if length > len(raw) - offset - 32:
        raise InvalidSignature(f"contract signature data of {length} bytes overruns the signatures", index)
    return raw[offset + 32 : offset + 32 + length]


def _ecdsa_signature(raw: Any, digest: bytes, v_offset: int) -> SafeSignature:
    data = hex_bytes(raw, "signature")
    if len(data) != SIGNATURE_LENGTH:
        raise InvalidSignature(f"signer returned {len(data)} bytes, expected {SIGNATURE_LENGTH}")
    v = data[64]
    if v in (0, 1):  # some signers return the recovery id rather than 27/28
        v += 27
    if v not in (27, 28):
        raise InvalidSignature(f"signer returned v={data[64]}, expected 27/28 or 0/1")
    return _parse_static(data[:64] + bytes([v + v_offset]), digest)


def _check_signer(signer: Signer, signature: SafeSignature) -> None:
    if isinstance(signer, LocalAccount) and signature.owner != signer.address:
        raise InvalidSignature(f"signature recovers to {signature.owner}, not the signing account {signer.address}")


def _recover(digest: bytes, v: int, r: bytes, s: bytes) -> str:
    try:
        signature = keys.Signature(vrs=(v - 27, int.from_bytes(r, "big"), int.from_bytes(s, "big")))
        return signature.recover_public_key_from_msg_hash(digest).to_checksum_address()
    except (BadSignature, KeyValidationError, ValueError) as error:
        raise InvalidSignature(f"cannot recover a signer ({error})") from None


def _eth_signed_message_hash(digest: bytes) -> bytes:
    return keccak(b"\x19Ethereum Signed Message:\n32" + digest)


def _address_word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])
