"""Safe owner signatures: making them, reading them as the Safe reads them, and packing them for `execTransaction`.

Each signature is 65 bytes `r | s | v`; `v` says how to read it:
  27/28  ECDSA over the safeTxHash (EIP-712)
  31/32  ECDSA over the eth_sign message of the safeTxHash, with v + 4 (Safe 1.1.0 and later)
  1      approved hash: the low 20 bytes of r are the owner, valid if it called approveHash or sends the transaction
  0      contract (EIP-1271): the low 20 bytes of r are the contract, s the offset of its length-prefixed data
The packed bytes must be sorted by owner address, strictly increasing.

Reading follows GnosisSafe.checkNSignatures (1.0.0 to 1.4.1): the Safe reads exactly `required` signatures of
65 bytes from the start and ignores whatever follows them, takes only the low 20 bytes of r for v 0 and 1,
and only asks of a contract signature's data that it lie after those `required` static parts and within the
bytes given (it may start right there, be shared, or overlap other data). Any other v leaves ecrecover
without an owner, which the Safe refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from eth_account.messages import encode_defunct, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_keys.exceptions import BadSignature
from eth_keys.exceptions import ValidationError as KeyValidationError
from eth_typing import Hash32
from eth_utils import keccak

from indexops.safe.errors import (
    DuplicateSigner,
    InvalidSignature,
    NotEnoughSignatures,
    SignerNotOwner,
)
from indexops.safe.safetx import SafeTx, safe_tx_hash, safe_tx_typed_data
from indexops.safe.versions import parse_safe_version
from indexops.values import InvalidValue, address_from_word, bytes32, checksummed, hex_bytes

SIGNATURE_LENGTH = 65
_ETH_SIGN_V_OFFSET = 4
DEFAULT_SAFE_VERSION = "1.3.0"
ETH_SIGN_SINCE = (1, 1, 0)
CONTRACT_SIGNATURES_SINCE = (1, 0, 0)  # 0.1.0 reads contract signature data without any bounds

# A callable signer gets what it must sign and returns a 65-byte signature (bytes or 0x-hex):
# for `sign_safe_tx` the EIP-712 typed-data dict, for `eth_sign_safe_tx_hash` the 32-byte hash.
Signer = LocalAccount | Callable[[Any], Any]


class SignatureKind(Enum):
    EIP712 = "eip712"
    ETH_SIGN = "eth_sign"
    APPROVED_HASH = "approved_hash"
    CONTRACT = "contract"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    SignatureKind.EIP712: "EOA, EIP-712 typed data",
    SignatureKind.ETH_SIGN: "EOA, eth_sign of the hash",
    SignatureKind.APPROVED_HASH: "approved hash: holds if the owner approved it on chain or sends the transaction",
    SignatureKind.CONTRACT: "contract signature (EIP-1271): holds if the owner contract accepts it",
}


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
    return sign_typed_data(safe_tx_typed_data(tx), safe_tx_hash(tx), signer)


def sign_typed_data(typed: dict[str, Any], digest: bytes, signer: Signer) -> SafeSignature:
    """EIP-712 signature (v 27/28) of `typed`, whose hash must be `digest`; the owner is the key that signed."""
    if isinstance(signer, LocalAccount):
        raw = signer.sign_message(encode_typed_data(full_message=typed)).signature
    else:
        raw = signer(typed)
    signature = _ecdsa_signature(raw, bytes32(digest, "signed hash"), v_offset=0)
    _check_signer(signer, signature)
    return signature


def sign_safe_tx_hash(safe_tx_hash_: bytes, account: LocalAccount) -> SafeSignature:
    """EIP-712-kind signature (v 27/28) made directly over the 32-byte safeTxHash."""
    digest = bytes32(safe_tx_hash_, "safeTxHash")
    raw = account.unsafe_sign_hash(Hash32(digest)).signature
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


def parse_signature(signature: bytes | str, safe_tx_hash_: bytes, version: str = DEFAULT_SAFE_VERSION) -> SafeSignature:
    """One owner's signature, read as the Safe reads a set of one: 65 bytes, then a contract signature's data
    (at an offset of 65 or more); bytes after those are ignored, as the Safe ignores them."""
    raw = hex_bytes(signature, "signature")
    if len(raw) < SIGNATURE_LENGTH:
        raise InvalidSignature(f"expected {SIGNATURE_LENGTH} bytes, got {len(raw)}", code="GS020")
    return read_signature_at(raw, bytes32(safe_tx_hash_, "safeTxHash"), 0, 1, version)


def read_signature_at(
    raw: bytes, digest: bytes, index: int, required: int, version: str = DEFAULT_SAFE_VERSION
) -> SafeSignature:
    """Signature `index` of `raw` as checkNSignatures reads it when `required` signatures are needed.

    The caller has checked that `raw` holds `required` static parts (GS020).
    """
    position = index * SIGNATURE_LENGTH
    try:
        parsed = read_static(raw[position : position + SIGNATURE_LENGTH], digest, version)
    except InvalidSignature as error:
        raise InvalidSignature(error.reason, index, error.code) from None
    if parsed.kind is not SignatureKind.CONTRACT:
        return parsed
    offset = int.from_bytes(parsed.static[32:64], "big")
    data = _contract_data(raw, offset, required, index)
    return SafeSignature(parsed.owner, parsed.kind, parsed.static, data)


def split_signatures(
    blob: bytes | str, safe_tx_hash_: bytes, version: str = DEFAULT_SAFE_VERSION
) -> list[SafeSignature]:
    """Every signature in packed bytes, in their order, as a Transaction Service lists them: 65-byte static
    parts up to the first contract signature's data, each contract signature with its data; a trailing
    piece shorter than a signature is ignored."""
    raw = hex_bytes(blob, "signatures")
    digest = bytes32(safe_tx_hash_, "safeTxHash")
    signatures: list[SafeSignature] = []
    static_end = len(raw)  # shrinks to the first contract-signature offset: data lives after the static parts
    position = 0
    while position + SIGNATURE_LENGTH <= static_end:
        index = position // SIGNATURE_LENGTH
        parsed = read_signature_at(raw, digest, index, index + 1, version)
        if parsed.kind is SignatureKind.CONTRACT:
            static_end = min(static_end, int.from_bytes(parsed.static[32:64], "big"))
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
    known = owner_set(owners, threshold)
    seen: set[str] = set()
    for signature in signatures:
        if signature.owner not in known:
            raise SignerNotOwner(signature.owner)
        if signature.owner in seen:
            raise DuplicateSigner(signature.owner)
        seen.add(signature.owner)
    if len(signatures) < threshold:
        raise NotEnoughSignatures(threshold, len(signatures))
    return encode_signatures(sorted(signatures, key=lambda signature: int(signature.owner, 16)))


def owner_set(owners: Sequence[str], threshold: int) -> set[str]:
    """The owners, checksummed, once `threshold` is known to be one the Safe could have."""
    known = {checksummed(owner, "owner") for owner in owners}
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= len(known):
        raise InvalidValue("threshold", f"must be between 1 and the {len(known)} owner(s), got {threshold!r}")
    return known


def read_static(chunk: bytes, digest: bytes, version: str = DEFAULT_SAFE_VERSION) -> SafeSignature:
    """The owner and kind of one 65-byte static part, by its v, as the Safe of `version` reads it."""
    r, s, v = chunk[:32], chunk[32:64], chunk[64]
    if v in (0, 1):
        kind = SignatureKind.CONTRACT if v == 0 else SignatureKind.APPROVED_HASH
        if kind is SignatureKind.CONTRACT and parse_safe_version(version) < CONTRACT_SIGNATURES_SINCE:
            raise InvalidSignature(f"Safe {version} reads contract signatures without bounds: not supported")
        return SafeSignature(address_from_word(r), kind, chunk)  # the Safe ignores the bytes above the address
    if v > 30 and parse_safe_version(version) >= ETH_SIGN_SINCE:
        if v - _ETH_SIGN_V_OFFSET not in (27, 28):
            reason = f"v={v}: an eth_sign signature has v 31 or 32, so ecrecover finds no owner"
            raise InvalidSignature(reason, code="GS026")
        owner = _recover(_eth_signed_message_hash(digest), v - _ETH_SIGN_V_OFFSET, r, s)
        return SafeSignature(owner, SignatureKind.ETH_SIGN, chunk)
    if v in (27, 28):
        return SafeSignature(_recover(digest, v, r, s), SignatureKind.EIP712, chunk)
    types = "27/28, 31/32, 1 or 0" if parse_safe_version(version) >= ETH_SIGN_SINCE else "27/28, 1 or 0"
    reason = f"v={v} is not a Safe {version} signature type ({types}): ecrecover finds no owner"
    raise InvalidSignature(reason, code="GS026")


def _contract_data(raw: bytes, offset: int, required: int, index: int) -> bytes:
    """The data of a contract signature, where checkNSignatures accepts it (GS021 to GS023)."""
    static_end = required * SIGNATURE_LENGTH
    if offset < static_end:
        raise InvalidSignature(
            f"contract signature data at offset {offset} is inside the {required} static part(s) "
            f"(its offset must be at least {static_end})",
            index,
            "GS021",
        )
    if offset + 32 > len(raw):
        raise InvalidSignature(
            f"contract signature data at offset {offset} has no length word within the {len(raw)} bytes", index, "GS022"
        )
    length = int.from_bytes(raw[offset : offset + 32], "big")
    if offset + 32 + length > len(raw):
        raise InvalidSignature(
            f"contract signature data of {length} bytes at offset {offset} runs past the {len(raw)} bytes",
            index,
            "GS023",
        )
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
    return read_static(data[:64] + bytes([v + v_offset]), digest)


def signed_by(signature: SafeSignature, address: str) -> SafeSignature:
    """The signature, if the signer that made it (a wallet, a keystore) is the account it was asked of."""
    if signature.owner != address:
        raise InvalidSignature(f"the signer returned a signature by {signature.owner}, not by {address}")
    return signature


def _check_signer(signer: Signer, signature: SafeSignature) -> None:
    if isinstance(signer, LocalAccount) and signature.owner != signer.address:
        raise InvalidSignature(f"signature recovers to {signature.owner}, not the signing account {signer.address}")


def _recover(digest: bytes, v: int, r: bytes, s: bytes) -> str:
    try:
        signature = keys.Signature(vrs=(v - 27, int.from_bytes(r, "big"), int.from_bytes(s, "big")))
        return signature.recover_public_key_from_msg_hash(digest).to_checksum_address()
    except (BadSignature, KeyValidationError, ValueError) as error:
        raise InvalidSignature(f"cannot recover a signer ({error})", code="GS026") from None


def _eth_signed_message_hash(digest: bytes) -> bytes:
    return keccak(b"\x19Ethereum Signed Message:\n32" + digest)


def _address_word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])
