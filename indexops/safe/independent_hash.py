"""A second, independent computation of the safeTxHash, from raw ABI encoding and keccak.

It shares no code with the typed-data path in `safetx`: the type hashes are the constants
compiled into the Safe contracts, and the struct is encoded field by field as the contract
does in `encodeTransactionData`. `decode` uses it to check a file without trusting either the
file or the first path.
"""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak

from indexops.safe.errors import SafeTxHashMismatch
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.versions import parse_safe_version

# keccak256("EIP712Domain(uint256 chainId,address verifyingContract)"), Safe >= 1.3.0
DOMAIN_SEPARATOR_TYPEHASH = bytes.fromhex("47e79534a245952e8b16893a336b85a3d9ea9fa8c573f3d803afb92a79469218")
# keccak256("EIP712Domain(address verifyingContract)"), Safe < 1.3.0
DOMAIN_SEPARATOR_TYPEHASH_PRE_1_3 = bytes.fromhex("035aff83d86937d35b32e04f0ddc6ff469290eef2f1b692d8a815c89404d4749")
# keccak256("SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,...)")
SAFE_TX_TYPEHASH = bytes.fromhex("bb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8")
# Same with dataGas in place of baseGas, Safe 0.1.0
SAFE_TX_TYPEHASH_0_1 = bytes.fromhex("14d461bc7412367e924637b363c7bf29b8f47e2f84869f4426e5633d8af47b20")


def domain_separator(version: str, chain_id: int, safe: str) -> bytes:
    if parse_safe_version(version) >= (1, 3, 0):
        return keccak(encode(["bytes32", "uint256", "address"], [DOMAIN_SEPARATOR_TYPEHASH, chain_id, safe]))
    return keccak(encode(["bytes32", "address"], [DOMAIN_SEPARATOR_TYPEHASH_PRE_1_3, safe]))


def safe_tx_struct_hash(tx: SafeTx) -> bytes:
    typehash = SAFE_TX_TYPEHASH if parse_safe_version(tx.safe_version) >= (1, 0, 0) else SAFE_TX_TYPEHASH_0_1
    return keccak(
        encode(
            [
                "bytes32",
                "address",
                "uint256",
                "bytes32",
                "uint8",
                "uint256",
                "uint256",
                "uint256",
                "address",
                "address",
                "uint256",
            ],
            [
                typehash,
                tx.to,
                tx.value,
                keccak(tx.data),
                tx.operation,
                tx.safe_tx_gas,
                tx.base_gas,
                tx.gas_price,
                tx.gas_token,
                tx.refund_receiver,
                tx.nonce,
            ],
        )
    )


def encoded_transaction_data(tx: SafeTx) -> bytes:
    """0x19 0x01 domainSeparator hashStruct(SafeTx), what the Safe's encodeTransactionData returns: the bytes
    whose keccak is the safeTxHash, and what a contract owner is asked to accept."""
    return b"\x19\x01" + domain_separator(tx.safe_version, tx.chain_id, tx.safe) + safe_tx_struct_hash(tx)


def recompute_safe_tx_hash(tx: SafeTx) -> bytes:
    return keccak(encoded_transaction_data(tx))


def verify_safe_tx_hash(tx: SafeTx, claimed: bytes) -> bytes:
    """Check a claimed safeTxHash against both computations; return it when all three agree."""
    independent = recompute_safe_tx_hash(tx)
    if independent != claimed:
        raise SafeTxHashMismatch(claimed, independent, "raw ABI encoding gives")
    typed = safe_tx_hash(tx)
    if typed != claimed:
        raise SafeTxHashMismatch(claimed, typed, "the EIP-712 encoder gives")
    return claimed
