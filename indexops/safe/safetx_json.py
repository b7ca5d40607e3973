"""A SafeTx as a JSON object (camelCase keys, uint256 values as decimal strings) and back.

Reading one re-derives the safeTxHash both ways and refuses the file if a `safeTxHash` it
carries differs, so a signer can check what they sign without trusting whoever wrote it.
"""

from __future__ import annotations

from typing import Any

from indexops.errors import UsageError
from indexops.safe.errors import MalformedSafeTxFile
from indexops.safe.independent_hash import verify_safe_tx_hash
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.versions import canonical_safe_version
from indexops.values import bytes32, checksummed, decimal_string, hex_bytes, unsigned

_UINT_FIELDS = {
    "value": "value",
    "safeTxGas": "safe_tx_gas",
    "baseGas": "base_gas",
    "gasPrice": "gas_price",
    "nonce": "nonce",
}
_ADDRESS_FIELDS = {"safe": "safe", "to": "to", "gasToken": "gas_token", "refundReceiver": "refund_receiver"}
KEYS = (
    "safe",
    "chainId",
    "safeVersion",
    "to",
    "value",
    "data",
    "operation",
    "safeTxGas",
    "baseGas",
    "gasPrice",
    "gasToken",
    "refundReceiver",
    "nonce",
    "safeTxHash",
)


def safe_tx_to_dict(tx: SafeTx) -> dict[str, Any]:
    return {
        "safe": tx.safe,
        "chainId": tx.chain_id,
        "safeVersion": tx.safe_version,
        "to": tx.to,
        "value": str(tx.value),
        "data": "0x" + tx.data.hex(),
        "operation": tx.operation,
        "safeTxGas": str(tx.safe_tx_gas),
        "baseGas": str(tx.base_gas),
        "gasPrice": str(tx.gas_price),
        "gasToken": tx.gas_token,
        "refundReceiver": tx.refund_receiver,
        "nonce": str(tx.nonce),
        "safeTxHash": "0x" + safe_tx_hash(tx).hex(),
    }


def safe_tx_from_dict(obj: object, *, path: str = "<safe tx>") -> SafeTx:
    """Validate every field (one problem per line), rebuild the SafeTx, check `safeTxHash` if present."""
    if not isinstance(obj, dict):
        raise MalformedSafeTxFile(path, "expected a JSON object")
    problems: list[str] = []
    fields: dict[str, Any] = {}

    def take(key: str, parse) -> Any:
        if key not in obj:
            problems.append(f"{key} is missing")
            return None
        try:
            return parse(obj[key], key)
        except UsageError as error:
            problems.append(str(error))
            return None

    for key, name in _ADDRESS_FIELDS.items():
        fields[name] = take(key, checksummed)
    for key, name in _UINT_FIELDS.items():
        fields[name] = take(key, decimal_string)
    fields["chain_id"] = take("chainId", unsigned)
    fields["operation"] = take("operation", lambda value, what: unsigned(value, what, bits=8))
    fields["data"] = take("data", hex_bytes)
    fields["safe_version"] = take("safeVersion", lambda value, _what: canonical_safe_version(value))
    claimed = take("safeTxHash", bytes32) if "safeTxHash" in obj else None
    unknown = sorted(set(obj) - set(KEYS))
    if unknown:
        problems.append(f"unknown key(s): {', '.join(unknown)}")
    if problems:
        raise MalformedSafeTxFile(path, problems)
    try:
        tx = SafeTx(**fields)
    except UsageError as error:
        raise MalformedSafeTxFile(path, str(error)) from None
    if claimed is not None:
        verify_safe_tx_hash(tx, claimed)
    return tx
