"""Calls decoded for a signer: the target by name, the function, each argument in human terms.

Pure: the address labels and the ABIs come in as plain data. The function is found by selector in
the target's own ABI when the target is known, so a file's displayed method is never trusted.
Amounts are shown in token units where the argument says what it is: an amount-like uint of a call
to a token, or a uint[] that runs parallel to an address[] of tokens (GIM's components and units).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from eth_abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils import to_checksum_address

from indexops.chain.calldata import canonical_type, selector
from indexops.safe.multisend import MultiSendCall
from indexops.safe.safetx import CALL

UINT256_MAX = 2**256 - 1
_AMOUNT_NAME = re.compile(r"amount|quantit|unit|maximum|size|wad|value|limit", re.IGNORECASE)
_NOT_AMOUNT_NAME = re.compile(r"period|time|percent|multiplier|fee|nonce|deadline|threshold|index", re.IGNORECASE)
_SECONDS_NAME = re.compile(r"period|coolOff|duration", re.IGNORECASE)
_ETH_NAME = re.compile(r"eth", re.IGNORECASE)
_LONG_BYTES = 34


@dataclass(frozen=True)
class Label:
    """What the products file says an address is; tokens carry their symbol and decimals."""

    name: str
    abi: str | None = None
    symbol: str | None = None
    decimals: int | None = None


@dataclass(frozen=True)
class DecodedArg:
    name: str
    type: str
    value: Any  # JSON-safe: ints, checksummed addresses, 0x-hex bytes, lists
    display: str


@dataclass(frozen=True)
class DecodedCall:
    to: str
    target: str | None  # the label's name; None for an address no address book knows
    value: int
    operation: int
    selector: str  # 0x + 8 hex digits, "" for a call without data
    function: str | None  # canonical signature, None when no known ABI has the selector
    args: tuple[DecodedArg, ...] = ()
    inner: DecodedCall | None = None  # the call a manager forwards (BaseManager.interactManager)
    problem: str | None = None  # the data does not decode as the function it names

    @property
    def name(self) -> str | None:
        return self.function.split("(")[0] if self.function else None


def signature_of(fragment: Mapping[str, Any]) -> str:
    return f"{fragment['name']}({','.join(canonical_type(entry) for entry in fragment['inputs'])})"


def find_fragment(data_selector: bytes, label: Label | None, abis: Mapping[str, Sequence[dict]]) -> dict | None:
    """The function with this selector in the target's ABI; for an unknown target, in any known ABI."""
    abi = label.abi if label is not None else None
    names = [abi] if abi is not None and abi in abis else sorted(abis)
    for name in names:
        for fragment in abis[name]:
            if fragment.get("type") == "function" and selector(fragment) == data_selector:
                return fragment
    return None


def decode_call(call: MultiSendCall, labels: Mapping[str, Label], abis: Mapping[str, Sequence[dict]]) -> DecodedCall:
    label = labels.get(call.to)
    base = DecodedCall(
        to=call.to,
        target=label.name if label else None,
        value=call.value,
        operation=call.operation,
        selector="",
        function=None,
    )
    if not call.data:
        return base
    data_selector = "0x" + call.data[:4].hex()
    fragment = find_fragment(call.data[:4], label, abis) if len(call.data) >= 4 else None
    if fragment is None:
        return replace(base, selector=data_selector)
    function = signature_of(fragment)
    inputs = fragment["inputs"]
    try:
        values = decode([canonical_type(entry) for entry in inputs], call.data[4:])
    except (DecodingError, OverflowError, ValueError) as error:
        return replace(base, selector=data_selector, function=function, problem=f"arguments do not decode ({error})")
    args = _describe(inputs, values, label, labels)
    inner = _forwarded_call(fragment["name"], values, labels, abis)
    return replace(base, selector=data_selector, function=function, args=args, inner=inner)


def _forwarded_call(name: str, values: Sequence[Any], labels, abis) -> DecodedCall | None:
    if name != "interactManager" or len(values) != 2:
        return None
    module, data = values
    return decode_call(MultiSendCall(to=module, data=data, operation=CALL), labels, abis)


def _describe(
    inputs: Sequence[dict], values: Sequence[Any], target: Label | None, labels: Mapping[str, Label]
) -> tuple[DecodedArg, ...]:
    token_arrays = _token_arrays(inputs, values, labels)
    weth = next((label for label in labels.values() if label.symbol == "WETH"), None)
    described = []
    for entry, value in zip(inputs, values, strict=True):
        tokens = _amount_tokens(entry, value, target, token_arrays, weth)
        described.append(
            DecodedArg(
                name=entry.get("name") or "",
                type=canonical_type(entry),
                value=_plain(entry, value),
                display=_display(entry, value, labels, tokens),
            )
        )
    return tuple(described)


def _token_arrays(inputs, values, labels) -> dict[int, list[Label]]:
    """address[] arguments whose every element is a known token, by length (ambiguous lengths dropped)."""
    found: dict[int, list[Label] | None] = {}
    for entry, value in zip(inputs, values, strict=True):
        if canonical_type(entry) != "address[]" or not value:
            continue
        tokens = [labels.get(to_checksum_address(item)) for item in value]
        if all(token is not None and token.symbol for token in tokens):
            found[len(value)] = None if len(value) in found else tokens
    return {length: tokens for length, tokens in found.items() if tokens is not None}


def _amount_tokens(entry, value, target: Label | None, token_arrays, weth: Label | None):
    """The token (or per-element tokens) an amount-like uint argument is counted in, if the call says."""
    abi_type, name = canonical_type(entry), entry.get("name") or ""
    if not abi_type.startswith("uint") or not _AMOUNT_NAME.search(name) or _NOT_AMOUNT_NAME.search(name):
        return None
    if abi_type.endswith("[]"):
        return token_arrays.get(len(value))
    if target is not None and target.symbol:
        return target
    if _ETH_NAME.search(name):
        return weth
    return None


def _display(entry, value, labels: Mapping[str, Label], tokens) -> str:
    abi_type, name = canonical_type(entry), entry.get("name") or ""
    if abi_type == "address":
        return address_text(value, labels)
    if abi_type == "address[]":
        return "[" + ", ".join(_short_address(item, labels) for item in value) + "]"
    if abi_type.startswith("uint") and abi_type.endswith("[]"):
        if isinstance(tokens, list):
            return "[" + ", ".join(token_amount(item, token) for item, token in zip(value, tokens, strict=True)) + "]"
        return "[" + ", ".join(_number(item, name) for item in value) + "]"
    if abi_type.startswith("uint") or abi_type.startswith("int"):
        return token_amount(value, tokens) if isinstance(tokens, Label) else _number(value, name)
    if abi_type == "bool":
        return "true" if value else "false"
    if abi_type in ("bytes", "bytes32") or re.fullmatch(r"bytes\d+", abi_type):
        return _bytes_text(value)
    if abi_type == "bytes[]":
        return "[" + ", ".join(_bytes_text(item) for item in value) + "]"
    if abi_type == "string":
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(_plain(entry, value), ensure_ascii=False)


def address_text(address: str, labels: Mapping[str, Label]) -> str:
    address = to_checksum_address(address)
    label = labels.get(address)
    return f"{address} ({label.name if label else 'unknown'})"


def _short_address(address: str, labels: Mapping[str, Label]) -> str:
    address = to_checksum_address(address)
    label = labels.get(address)
    return label.name if label else f"{address} (unknown)"


def token_amount(value: int, token: Label) -> str:
    if value == UINT256_MAX:
        return f"unlimited {token.symbol} (2^256-1)"
    return f"{human_amount(value, token.decimals or 0)} {token.symbol}"


def human_amount(value: int, decimals: int) -> str:
    """Exact decimal text with thousands separators: 60000 * 10**18 at 18 decimals -> "60,000"."""
    text = f"{Decimal(value).scaleb(-decimals):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number(value: int, name: str) -> str:
    if value == UINT256_MAX:
        return "2^256-1"
    return f"{value:,} s" if _SECONDS_NAME.search(name) else f"{value:,}"


def _bytes_text(value: bytes) -> str:
    text = "0x" + value.hex()
    return text if len(text) <= _LONG_BYTES * 2 else f"{text[:_LONG_BYTES]}… ({len(value)} bytes)"


def _plain(entry: Mapping[str, Any], value: Any) -> Any:
    """A decoded value as JSON: addresses checksummed (by their ABI type), bytes as 0x-hex, tuples as lists."""
    abi_type = entry["type"]
    if abi_type.endswith("]"):
        element = {**entry, "type": abi_type[: abi_type.rindex("[")]}
        return [_plain(element, item) for item in value]
    if abi_type == "tuple":
        return [_plain(component, item) for component, item in zip(entry.get("components", []), value, strict=True)]
    if abi_type == "address":
        return to_checksum_address(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return value
