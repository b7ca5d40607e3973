"""A contract call as a plan holds it: target, decoded arguments, calldata and who must send it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexops.chain.abis import load_abi
from indexops.chain.calldata import canonical_type, encode_call


@dataclass(frozen=True)
class Call:
    to: str
    function: str  # Solidity signature, e.g. "trade(address,address,uint256)"
    args: dict[str, Any]
    data: bytes
    signer_role: str  # "operator", "trader", "owner"
    description: str
    value: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def function_fragment(abi_name: str, function: str) -> dict:
    matches = [e for e in load_abi(abi_name) if e.get("type") == "function" and e["name"] == function]
    if len(matches) != 1:
        raise LookupError(f"{abi_name}.{function}: {len(matches)} ABI entries")
    return matches[0]


def make_call(abi_name: str, function: str, to: str, args: list[Any], signer_role: str, description: str) -> Call:
    fragment = function_fragment(abi_name, function)
    signature = f"{function}({','.join(canonical_type(entry) for entry in fragment['inputs'])})"
    named = {entry["name"]: _json_safe(value) for entry, value in zip(fragment["inputs"], args, strict=True)}
    return Call(
        to=to,
        function=signature,
        args=named,
        data=encode_call(fragment, args),
        signer_role=signer_role,
        description=description,
    )


def _json_safe(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value
