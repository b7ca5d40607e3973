"""`contractInputsValues` read as the Transaction Builder (1.18.3) reads them, for an entry whose `data` is null.

The app turns each value (a string) into an argument by the input's ABI type, then encodes the call
with web3-eth-abi 1.8 (ethers 5 underneath):

- `bool`: trimmed and lower-cased, "true" or "1" / "false" or "0";
- `(u)intN`: every `"` and `'` removed, trimmed, then a decimal or 0x-hex integer;
- tuples and `string` arrays: `JSON.parse` of the whole value, the JSON values going to the encoder as
  they are (a bool inside a tuple is true when truthy, so the string "false" is true);
- other arrays: not JSON. The text between the outer brackets is split at top-level commas, every
  whitespace character is dropped, `"` and `'` are removed from each item, and each item is read as its
  base type (inner brackets nest);
- anything else (`address`, `bytes`, `bytesN`, `string`): the string exactly as written.

If encoding fails, the app sends the transaction with data `0x` and says nothing. So this module accepts
only values that the app reads in one way, and reads them that way; anything else is refused, never guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from indexops.chain.calldata import encode_call
from indexops.errors import UsageError
from indexops.values import InvalidArgument, checksummed

_INT = re.compile(r"(u?)int(\d*)")
_FIXED_BYTES = re.compile(r"bytes(\d+)")
_ARRAY = re.compile(r"(?P<element>.+)\[(?P<size>\d*)\]")
_DECIMAL = re.compile(r"-?[0-9]+")
_HEX_INT = re.compile(r"-?0[xX][0-9a-fA-F]+")
_JSON_HEX_INT = re.compile(r"-?0x[0-9a-fA-F]+")  # ethers' own parser, unlike the app's, refuses 0X
_HEX_BYTES = re.compile(r"0x(?:[0-9a-fA-F]{2})*")
# what an item of a non-JSON array may hold for the app's split to give it back unchanged
_PLAIN_ITEM = re.compile(r"[0-9A-Za-z-]+")
_SPACE = " \t\n\r\f\v"  # trimmed as JavaScript trims them; rarer spaces it trims too are refused instead
_JS_SAFE_INTEGER = 2**53 - 1
_NOT_ENCODED = ("receive", "fallback")  # the app sends 0x for these
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")  # web3 takes a name with "(" as the whole signature


def app_calldata(method: Mapping[str, Any], values: Mapping[str, Any]) -> bytes:
    """The calldata the app encodes from `contractMethod` and `contractInputsValues`."""
    name = method.get("name")
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name) or name in _NOT_ENCODED:
        raise InvalidArgument(str(name), "function", "not a function name the Transaction Builder encodes a call to")
    arguments = []
    for entry in method["inputs"]:
        input_name = entry["name"]
        if input_name not in values:
            raise InvalidArgument(input_name, entry["type"], "no value in contractInputsValues")
        arguments.append(read_value(entry, values[input_name]))
    return encode_call(method, arguments)


def read_value(entry: Mapping[str, Any], text: Any) -> Any:
    """One input's value, as the app reads it, for eth-abi."""
    abi_type, name = entry["type"], entry["name"]
    if not isinstance(text, str):
        raise InvalidArgument(name, abi_type, f"value must be a string, got {type(text).__name__}")
    if abi_type == "bool":
        return _bool_text(text.strip(_SPACE), name)
    if _INT.fullmatch(abi_type):
        return _int_text(text.replace('"', "").replace("'", "").strip(_SPACE), abi_type, name)
    if abi_type.startswith("tuple") or (_ARRAY.fullmatch(abi_type) and _base_type(abi_type) == "string"):
        return _json_value(entry, _parse_json(text, entry), name)
    if _ARRAY.fullmatch(abi_type):
        return _split_array(entry, text.strip(_SPACE), name, outermost=True)
    return _scalar(abi_type, text, name)


def _bool_text(text: str, name: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise InvalidArgument(name, "bool", f"expected true or false, got {text!r}")


def _int_text(text: str, abi_type: str, name: str) -> int:
    if _DECIMAL.fullmatch(text):
        value = int(text, 10)
    elif _HEX_INT.fullmatch(text):
        value = int(text.replace("0x", "").replace("0X", ""), 16)
    else:
        raise InvalidArgument(name, abi_type, f"expected a decimal or 0x-hex integer, got {text!r}")
    return _in_range(value, abi_type, name)


def _in_range(value: int, abi_type: str, name: str) -> int:
    match = _INT.fullmatch(abi_type)
    if match is None:
        raise InvalidArgument(name, abi_type, "not an integer type")
    unsigned, bits_text = match.groups()
    bits = int(bits_text or 256)
    if bits % 8 or not 8 <= bits <= 256:
        raise InvalidArgument(name, abi_type, "not an integer type the Transaction Builder knows")
    low, high = (0, 2**bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if not low <= value <= high:
        raise InvalidArgument(name, abi_type, f"{value} is out of range")
    return value


def _scalar(abi_type: str, text: str, name: str) -> Any:
    if abi_type == "address":
        return _address(text, name)
    if abi_type == "string":
        return text
    if abi_type == "bytes" or _FIXED_BYTES.fullmatch(abi_type):
        return _bytes(abi_type, text, name)
    raise InvalidArgument(name, abi_type, "not a type the Transaction Builder encodes")


def _address(text: Any, name: str) -> str:
    try:
        return checksummed(text, name)
    except UsageError:
        raise InvalidArgument(name, "address", f"not an address: {text!r}") from None


def _bytes(abi_type: str, text: Any, name: str) -> bytes:
    if not isinstance(text, str) or not _HEX_BYTES.fullmatch(text):
        raise InvalidArgument(name, abi_type, f"expected 0x and an even number of hex digits, got {text!r}")
    data = bytes.fromhex(text[2:])
    fixed = _FIXED_BYTES.fullmatch(abi_type)
    if fixed and len(data) != int(fixed.group(1)):
        raise InvalidArgument(name, abi_type, f"expected {fixed.group(1)} bytes, got {len(data)}")
    return data


def _base_type(abi_type: str) -> str:
    return abi_type[: abi_type.index("[")] if "[" in abi_type else abi_type


def _element(entry: Mapping[str, Any], items: list, name: str) -> dict[str, Any]:
    match = _ARRAY.fullmatch(entry["type"])
    if match is None:
        raise InvalidArgument(name, entry["type"], "not an array type")
    size = match.group("size")
    if size and len(items) != int(size):
        raise InvalidArgument(name, entry["type"], f"needs exactly {size} items, got {len(items)}")
    return {**entry, "type": match.group("element")}


# ---- JSON values: tuples and string arrays -------------------------------------------------------


def _parse_json(text: str, entry: Mapping[str, Any]) -> Any:
    def refuse_constant(constant: str):
        raise InvalidArgument(entry["name"], entry["type"], f"{constant} is not JSON")

    try:
        return json.loads(text.strip(_SPACE), parse_constant=refuse_constant)
    except json.JSONDecodeError:
        raise InvalidArgument(entry["name"], entry["type"], f"value is not JSON: {text[:60]!r}") from None


def _json_value(entry: Mapping[str, Any], value: Any, name: str) -> Any:
    abi_type = entry["type"]
    if _ARRAY.fullmatch(abi_type):
        if not isinstance(value, list):
            raise InvalidArgument(name, abi_type, "expected a JSON array")
        element = _element(entry, value, name)
        return [_json_value(element, item, name) for item in value]
    if abi_type == "tuple":
        components = entry.get("components", [])
        if not isinstance(value, list) or len(value) != len(components):
            raise InvalidArgument(name, abi_type, f"expected a JSON array of its {len(components)} components")
        return tuple(
            _json_value(component, item, f"{name}.{component['name']}")
            for component, item in zip(components, value, strict=True)
        )
    if abi_type == "bool":
        if not isinstance(value, bool):  # the encoder takes any truthy value as true
            raise InvalidArgument(name, abi_type, f"expected JSON true or false, got {json.dumps(value)}")
        return value
    if _INT.fullmatch(abi_type):
        return _json_int(value, abi_type, name)
    if abi_type == "string":
        if not isinstance(value, str):
            raise InvalidArgument(name, abi_type, f"expected a JSON string, got {json.dumps(value)}")
        return value
    if not isinstance(value, str):
        raise InvalidArgument(name, abi_type, f"expected a JSON string, got {json.dumps(value)}")
    return _scalar(abi_type, value, name)


def _json_int(value: Any, abi_type: str, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= _JS_SAFE_INTEGER:  # a JavaScript number: the encoder refuses it as unsafe
            raise InvalidArgument(name, abi_type, f"{value} as a JSON number loses precision: write it as a string")
        return _in_range(value, abi_type, name)
    if isinstance(value, str) and (_DECIMAL.fullmatch(value) or _JSON_HEX_INT.fullmatch(value)):
        return _int_text(value, abi_type, name)
    raise InvalidArgument(name, abi_type, f"expected an integer as a JSON string, got {json.dumps(value)}")


# ---- other arrays: split at commas, not JSON -----------------------------------------------------


def _split_array(entry: Mapping[str, Any], text: str, name: str, outermost: bool = False) -> list:
    """Accepts JSON-looking text whose items come back unchanged from the app's split, and reads them."""
    abi_type = entry["type"]
    if "\\" in text or "'" in text:
        raise InvalidArgument(name, abi_type, "backslashes and single quotes are not read as JSON by the app")
    try:
        value = json.loads(text, parse_constant=lambda constant: None)
    except json.JSONDecodeError:
        raise InvalidArgument(
            name, abi_type, f'expected a JSON array such as ["0x…","0x…"], got {text[:60]!r}'
        ) from None
    if not isinstance(value, list):
        raise InvalidArgument(name, abi_type, "expected a JSON array")
    if outermost and not value and text != "[]":
        raise InvalidArgument(name, abi_type, "an empty array is written [] (the app reads [ ] as one empty item)")
    return _split_items(entry, value, name)


def _split_items(entry: Mapping[str, Any], items: list, name: str) -> list:
    element = _element(entry, items, name)
    if _ARRAY.fullmatch(element["type"]):
        for item in items:
            if not isinstance(item, list):
                raise InvalidArgument(name, entry["type"], "expected nested JSON arrays")
        return [_split_items(element, item, name) for item in items]
    return [_split_item(element, item, name) for item in items]


def _split_item(entry: Mapping[str, Any], item: Any, name: str) -> Any:
    abi_type = entry["type"]
    if isinstance(item, bool):
        text = "true" if item else "false"
    elif isinstance(item, int):
        text = str(item)
    elif isinstance(item, str):
        text = item
    else:
        raise InvalidArgument(name, abi_type, f"unexpected item {json.dumps(item)}")
    if not _PLAIN_ITEM.fullmatch(text):
        raise InvalidArgument(name, abi_type, f"item {text!r} would not come back unchanged from the app's split")
    if abi_type == "bool":
        return _bool_text(text, name)
    if _INT.fullmatch(abi_type):
        return _int_text(text, abi_type, name)
    return _scalar(abi_type, text, name)
