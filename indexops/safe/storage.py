"""Storage slots of a Safe that a fork simulation writes, as brownie-safe does.

GnosisSafe 1.x lays out its state as: singleton 0, modules 1, owners 2, ownerCount 3, threshold 4,
nonce 5, the deprecated domainSeparator 6, signedMessages 7, approvedHashes 8. Writing
`approvedHashes[owner][safeTxHash] = 1` for enough owners satisfies the threshold without any key.
"""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak

from indexops.values import bytes32, checksummed

NONCE_SLOT = 5
APPROVED_HASHES_SLOT = 8


def approved_hash_slot(owner: str, safe_tx_hash: bytes) -> int:
    """The slot of `approvedHashes[owner][safeTxHash]` (a mapping of mappings)."""
    owner = checksummed(owner, "owner")
    outer = keccak(encode(["address", "uint256"], [owner, APPROVED_HASHES_SLOT]))
    return int.from_bytes(keccak(bytes32(safe_tx_hash, "safeTxHash") + outer), "big")


def slot_hex(slot: int) -> str:
    """A slot or a value as the 32-byte hex word `anvil_setStorageAt` takes."""
    return "0x" + slot.to_bytes(32, "big").hex()
