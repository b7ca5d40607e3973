"""The Safe transaction value that flows between the verbs, and its EIP-712 hash.

`safe_tx_hash` goes through eth-account's typed-data encoder; `independent_hash` recomputes
the same value from raw ABI encoding so a file can be checked without trusting this path.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from eth_account.messages import encode_typed_data
from eth_utils import keccak

from indexops.safe.errors import WrongChain
from indexops.safe.versions import canonical_safe_version, domain_has_chain_id, gas_field_name
from indexops.values import ZERO_ADDRESS, InvalidValue, checksummed, hex_bytes, unsigned

CALL = 0
DELEGATECALL = 1


@dataclass(frozen=True, kw_only=True)
class SafeTx:
    """One Safe transaction plus the Safe, chain and Safe version it is hashed for.

    Inputs are validated and normalised on construction: addresses checksummed, `data`
    as bytes (hex strings accepted), the version canonical ("1.3.0").
    """

    safe: str
    chain_id: int
    safe_version: str
    to: str
    value: int = 0
    data: bytes = b""
    operation: int = CALL
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: str = ZERO_ADDRESS
    refund_receiver: str = ZERO_ADDRESS
    nonce: int

    def __post_init__(self) -> None:
        normalised = {
            "safe": checksummed(self.safe, "Safe address"),
            "chain_id": unsigned(self.chain_id, "chain id"),
            "safe_version": canonical_safe_version(self.safe_version),
            "to": checksummed(self.to, "SafeTx.to"),
            "value": unsigned(self.value, "SafeTx.value"),
            "data": hex_bytes(self.data, "SafeTx.data"),
            "operation": unsigned(self.operation, "SafeTx.operation", bits=8),
            "safe_tx_gas": unsigned(self.safe_tx_gas, "SafeTx.safeTxGas"),
            "base_gas": unsigned(self.base_gas, "SafeTx.baseGas"),
            "gas_price": unsigned(self.gas_price, "SafeTx.gasPrice"),
            "gas_token": checksummed(self.gas_token, "SafeTx.gasToken"),
            "refund_receiver": checksummed(self.refund_receiver, "SafeTx.refundReceiver"),
            "nonce": unsigned(self.nonce, "SafeTx.nonce"),
        }
        if normalised["operation"] not in (CALL, DELEGATECALL):
            raise InvalidValue("SafeTx.operation", f"must be 0 (call) or 1 (delegatecall), got {self.operation}")
        if normalised["chain_id"] == 0:
            raise InvalidValue("chain id", "must be positive")
        for name, value in normalised.items():
            object.__setattr__(self, name, value)

    def replace(self, **changes: Any) -> SafeTx:
        return dataclasses.replace(self, **changes)


def domain_for(version: str, chain_id: int, safe: str) -> dict[str, Any]:
    """EIP-712 domain data: chainId + verifyingContract from 1.3.0, verifyingContract before."""
    safe = checksummed(safe, "Safe address")
    if domain_has_chain_id(version):
        return {"chainId": unsigned(chain_id, "chain id"), "verifyingContract": safe}
    return {"verifyingContract": safe}


def domain_type(version: str) -> list[dict[str, str]]:
    fields = [{"name": "verifyingContract", "type": "address"}]
    if domain_has_chain_id(version):
        fields.insert(0, {"name": "chainId", "type": "uint256"})
    return fields


def safe_tx_type(version: str) -> list[dict[str, str]]:
    return [
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "data", "type": "bytes"},
        {"name": "operation", "type": "uint8"},
        {"name": "safeTxGas", "type": "uint256"},
        {"name": gas_field_name(version), "type": "uint256"},
        {"name": "gasPrice", "type": "uint256"},
        {"name": "gasToken", "type": "address"},
        {"name": "refundReceiver", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ]


def safe_tx_typed_data(tx: SafeTx) -> dict[str, Any]:
    """The full EIP-712 message, as hardware wallets and `eth_signTypedData_v4` take it."""
    return {
        "types": {
            "EIP712Domain": domain_type(tx.safe_version),
            "SafeTx": safe_tx_type(tx.safe_version),
        },
        "primaryType": "SafeTx",
        "domain": domain_for(tx.safe_version, tx.chain_id, tx.safe),
        "message": {
            "to": tx.to,
            "value": tx.value,
            # 0x-hex rather than bytes so the dict is also valid JSON for external signers
            "data": "0x" + tx.data.hex(),
            "operation": tx.operation,
            "safeTxGas": tx.safe_tx_gas,
            gas_field_name(tx.safe_version): tx.base_gas,
            "gasPrice": tx.gas_price,
            "gasToken": tx.gas_token,
            "refundReceiver": tx.refund_receiver,
            "nonce": tx.nonce,
        },
    }


def safe_tx_hash(tx: SafeTx) -> bytes:
    """keccak256(0x19 0x01 domainSeparator hashStruct(SafeTx)), what `getTransactionHash` returns."""
    signable = encode_typed_data(full_message=safe_tx_typed_data(tx))
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def check_chain(tx: SafeTx, chain_id: int) -> None:
    """Refuse a transaction prepared for another chain than the one connected to."""
    if tx.chain_id != chain_id:
        raise WrongChain(chain_id, tx.chain_id, what="Safe transaction")
