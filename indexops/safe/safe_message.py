"""What a Safe that owns a Safe signs: an EIP-712 SafeMessage over the outer Safe's transaction data.

A Safe owner of another Safe answers EIP-1271 through its fallback handler (CompatibilityFallbackHandler,
1.3.0 and later): `isValidSignature(bytes data, bytes signature)` accepts `signature` when it holds the
owner Safe's own owners' signatures, checked by its `checkSignatures`, over

    keccak256(0x19 0x01 domainSeparator(owner Safe) keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(data))))

The outer Safe passes as `data` the bytes its `encodeTransactionData` returns (whose keccak is the
safeTxHash). So each owner of the owner Safe signs the typed data below (or the hash, v 27/28), and the
packed signatures, sorted by owner, become the data of one contract signature (v 0) of the owner Safe.
"""

from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from indexops.safe.errors import UnsupportedSafeVersion
from indexops.safe.independent_hash import domain_separator
from indexops.safe.safetx import domain_for, domain_type
from indexops.safe.versions import parse_safe_version
from indexops.values import checksummed, hex_bytes

# keccak256("SafeMessage(bytes message)")
SAFE_MSG_TYPEHASH = bytes.fromhex("60b3cbf8b4a223d68d641b3b6ddf9a298e7f33710cf3d3a9d1146b5a6150fbca")
CONTRACT_OWNERS_SINCE = (1, 3, 0)  # the first fallback handler that answers EIP-1271 for its Safe


def check_contract_owner_version(version: str) -> None:
    if parse_safe_version(version) < CONTRACT_OWNERS_SINCE:
        raise UnsupportedSafeVersion(f"{version} (an owner Safe must be 1.3.0 or later to sign with EIP-1271)")


def safe_message_hash(owner_safe: str, chain_id: int, version: str, message: bytes) -> bytes:
    """The hash the owner Safe's owners sign, as its fallback handler's getMessageHash computes it."""
    check_contract_owner_version(version)
    struct = keccak(encode(["bytes32", "bytes32"], [SAFE_MSG_TYPEHASH, keccak(hex_bytes(message, "message"))]))
    return keccak(b"\x19\x01" + domain_separator(version, chain_id, checksummed(owner_safe, "owner Safe")) + struct)


def safe_message_typed_data(owner_safe: str, chain_id: int, version: str, message: bytes) -> dict[str, Any]:
    """The same as EIP-712 typed data, for signers that show what they sign (eth_signTypedData_v4)."""
    check_contract_owner_version(version)
    return {
        "types": {
            "EIP712Domain": domain_type(version),
            "SafeMessage": [{"name": "message", "type": "bytes"}],
        },
        "primaryType": "SafeMessage",
        "domain": domain_for(version, chain_id, owner_safe),
        "message": {"message": "0x" + hex_bytes(message, "message").hex()},
    }


def typed_data_hash(typed: dict[str, Any]) -> bytes:
    signable = encode_typed_data(full_message=typed)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)
