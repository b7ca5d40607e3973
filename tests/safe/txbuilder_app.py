"""A test oracle: the calldata the Safe{Wallet} Transaction Builder (1.18.3) encodes for an entry whose `data` is null.

Written rule by rule from the app's own reading of `contractInputsValues` (`parseInputValue` and the helpers
beside it in apps/tx-builder/src/utils.ts) and from what web3-eth-abi 1.8 and ethers 5 then do with the
values, as lenient as they are: a bool inside a tuple is JavaScript-truthy, an integer without 0x made only
of hex digits is read as hex, an item of a non-string array loses its whitespace and quotes. It shares no
code with indexops, which accepts only the values the app reads in one obvious way.
"""

from __future__ import annotations

import json
import re
from typing import Any

from eth_abi import encode
from eth_utils import is_checksum_address, keccak, to_checksum_address


class AppRefuses(Exception):
    """The app's encoder throws here; it would then send the transaction with data 0x."""


_INT_TYPE = re.compile(r"(u?)int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|"
                       r"208|216|224|232|240|248|256)?")
# isArrayFieldType, isMatrixFieldType and isMultiDimensionalArrayFieldType together
_ARRAY_TYPE = re.compile(r".*[^\]](\[([1-9]+[0-9]*)?\])+")
_BASE_TYPE = re.compile(r"([a-zA-Z0-9]*)((\[\])|(\[[1-9]+[0-9]*\]))*")


def app_calldata(method: dict, values: dict) -> bytes:
    """encodeToHexData(contractMethod, contractInputsValues), as bytes."""
    if method["name"] in ("receive", "fallback"):
        raise AppRefuses("not a callable method")
    parsed = [parse_input_value(entry["type"], values.get(entry["name"] or index) or "")
              for index, entry in enumerate(method["inputs"])]
    types = [_signature_type(entry) for entry in method["inputs"]]
    arguments = [_for_encoder(entry, value, top_level=True) for entry, value in zip(method["inputs"], parsed)]
    selector = keccak(text=f"{method['name']}({','.join(types)})")[:4]
    try:
        return selector + encode(types, arguments)
    except Exception as error:  # noqa: BLE001 - any encoder failure is the app's silent 0x
        raise AppRefuses(str(error)) from None


# ---- the app: parseInputValue and friends --------------------------------------------------------

def _js_trim(text: str) -> str:
    return text.strip(" \t\n\r\f\v\u00a0\ufeff\u2028\u2029")


def parse_input_value(field_type: str, value: str) -> Any:
    trimmed = _js_trim(value) if isinstance(value, str) else value
    if field_type == "bool":
        return _parse_boolean(trimmed)
    if _INT_TYPE.fullmatch(field_type):
        return _parse_int(trimmed)
    if field_type.startswith("tuple"):
        return _json_parse(trimmed)
    if field_type.startswith("string") and _ARRAY_TYPE.fullmatch(field_type):
        return _json_parse(trimmed)
    if _ARRAY_TYPE.fullmatch(field_type):
        return _parse_array_of_values(trimmed, field_type)
    return value


def _parse_boolean(value: Any) -> bool:
    if isinstance(value, str):
        lowered = _js_trim(value).lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise AppRefuses("Invalid Boolean value")
    return _js_truthy(value)


def _parse_int(value: str) -> str:
    """A decimal string, as `toBN(value).toString(10, bits)` gives (its zero padding changes nothing)."""
    trimmed = _js_trim(value.replace('"', "").replace("'", ""))
    if trimmed == "":
        raise AppRefuses("invalid empty strings for integers")
    return str(_number_to_bn(trimmed))


def _number_to_bn(text: str) -> int:
    """web3-utils toBN of a string (the number-to-bn package)."""
    formatted = _js_trim(text.lower())
    hex_prefixed = formatted.startswith("0x") or formatted.startswith("-0x")
    argument = formatted[2:] if formatted.startswith("0x") else formatted
    sign = 1
    if argument.startswith("-"):
        argument = argument[1:]
        argument = argument[2:] if argument.startswith("0x") else argument
        sign = -1
    argument = argument or "0"
    decimal = re.fullmatch(r"-?[0-9]+", argument) is not None
    hexadecimal = re.fullmatch(r"[0-9A-Fa-f]+", argument) is not None
    if (not decimal and hexadecimal) or re.fullmatch(r"[a-fA-F]+", argument) or (hex_prefixed and hexadecimal):
        return sign * int(argument, 16)
    if decimal and not hex_prefixed:
        return sign * int(argument, 10)
    raise AppRefuses(f"invalid number value {text!r}")


def _is_array_text(text: str) -> bool:
    trimmed = _js_trim(text)
    return trimmed.startswith("[") and trimmed.endswith("]")


def _parse_string_to_array(value: str) -> list[str]:
    items: dict[int, str] = {}
    count = depth = 0
    for char in _js_trim(value)[1:-1]:
        if char == "," and depth == 0:
            count += 1
            continue
        if char == "[":
            depth += 1
        if char == "]":
            depth -= 1
        items[count] = _js_trim(items.get(count, "") + char)
    if len(items) != (max(items) + 1 if items else 0):
        raise AppRefuses("an array with holes")
    return [items[index] for index in range(len(items))]


def _parse_array_of_values(values: str, field_type: str) -> list:
    if not _is_array_text(values):
        raise AppRefuses("Invalid Array value")
    base = _BASE_TYPE.fullmatch(field_type).group(1)
    return [
        _parse_array_of_values(item, field_type) if _is_array_text(item)
        else parse_input_value(base, item.replace('"', "").replace("'", ""))
        for item in _parse_string_to_array(values)
    ]


def _json_parse(text: str) -> Any:
    try:
        return json.loads(text, parse_int=_js_number, parse_float=_js_number, parse_constant=_not_json)
    except (json.JSONDecodeError, ValueError) as error:
        raise AppRefuses(f"JSON.parse: {error}") from None


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def _js_number(text: str) -> float | int:
    number = float(text)
    return int(number) if number.is_integer() else number  # what a JavaScript number holds


def _js_truthy(value: Any) -> bool:
    if isinstance(value, (list, dict)):
        return True  # [] and {} are truthy in JavaScript
    return bool(value) and value == value  # NaN is falsy


# ---- web3-eth-abi's formatParam (top-level arguments only: inside tuples it finds no coders) and ethers' coders

def _signature_type(entry: dict) -> str:
    if entry["type"].startswith("tuple"):
        return "(" + ",".join(_signature_type(component) for component in entry["components"]) + ")" + entry["type"][5:]
    return entry["type"]


def _split(abi_type: str) -> tuple[str, int | None] | None:
    match = re.fullmatch(r"(.+)\[(\d*)\]", abi_type)
    return None if match is None else (match.group(1), int(match.group(2)) if match.group(2) else None)


def _for_encoder(entry: dict, value: Any, top_level: bool = False) -> Any:
    abi_type = entry["type"]
    array = _split(abi_type)
    if array is not None:
        element, size = array
        if not isinstance(value, list) or (size is not None and len(value) != size):
            raise AppRefuses(f"{abi_type}: not an array of the right length")
        formatted = top_level and abi_type.endswith("[]") and _split(element) is None  # formatParam's bytes[] / uint[]
        return [_for_encoder({**entry, "type": element}, item, top_level=formatted) for item in value]
    if abi_type == "tuple":
        components = entry["components"]
        if isinstance(value, dict):
            value = [value.get(component["name"]) for component in components]
        if not isinstance(value, list) or len(value) != len(components):
            raise AppRefuses("tuple: wrong number of components")
        return tuple(_for_encoder(component, item) for component, item in zip(components, value))
    if abi_type == "bool":
        return _js_truthy(value)
    if abi_type == "address":
        return _ethers_address(value)
    if abi_type == "string":
        return value if isinstance(value, str) else ""
    if _INT_TYPE.fullmatch(abi_type) or re.fullmatch(r"u?int\d*", abi_type):
        return _ethers_big_number(value)
    if abi_type.startswith("bytes"):
        return _ethers_bytes(abi_type, _format_bytes(abi_type, value) if top_level else value)
    raise AppRefuses(f"unsupported type {abi_type}")


def _ethers_address(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"(0x)?[0-9a-fA-F]{40}", value):
        raise AppRefuses(f"invalid address {value!r}")
    address = value if value.startswith("0x") else "0x" + value
    mixed = re.search(r"([A-F].*[a-f])|([a-f].*[A-F])", address[2:])
    if mixed and not is_checksum_address(address):
        raise AppRefuses(f"bad address checksum {value!r}")
    return to_checksum_address(address)


def _ethers_big_number(value: Any) -> int:
    if isinstance(value, bool):
        raise AppRefuses("a bool is not a number")
    if isinstance(value, int):
        if abs(value) >= 2**53 - 1:
            raise AppRefuses("overflow")
        return value
    if isinstance(value, float):
        raise AppRefuses("underflow")
    if isinstance(value, str) and re.fullmatch(r"-?0x[0-9a-fA-F]+", value):
        return -int(value[3:], 16) if value.startswith("-") else int(value[2:], 16)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    raise AppRefuses(f"invalid BigNumber value {value!r}")


def _format_bytes(abi_type: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    size = abi_type[5:]
    if size and len(value) < int(size) * 2 + (2 if value.startswith("0x") else 0):
        value = value + "0" * (int(size) * 2 - len(value) + (2 if value.startswith("0x") else 0))
    if len(value) % 2 == 1:
        value = "0x0" + value[2:]
    return value


def _ethers_bytes(abi_type: str, value: Any) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(r"0x([0-9a-fA-F]{2})*", value):
        raise AppRefuses(f"invalid arrayify value {value!r}")
    data = bytes.fromhex(value[2:])
    if abi_type != "bytes" and len(data) != int(abi_type[5:]):
        raise AppRefuses("incorrect data length")
    return data
