"""Function arguments as the Transaction Builder shows them, and their ABI encoding.

The app keeps every argument as a string: scalars as text ("1000", "true", "0xAbC..."), arrays
and tuples as JSON. Inside that JSON, integers are strings (the app's JSON.parse would lose
precision on large numbers), booleans are JSON booleans (its encoder treats any non-empty
string as true) and tuples are positional arrays.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from eth_abi import encode
from eth_abi.exceptions import EncodingError
from eth_utils import keccak

from indexops.errors import UsageError
from indexops.values import InvalidArgument, checksummed, hex_bytes

_ARRAY_SUFFIX = re.compile(r"^(?P<base>[^\[]+)(?P<dims>(\[\d*\])*)$")
_INT = re.compile(r"^(u?)int(\d*)$")
_FIXED_BYTES = re.compile(r"^bytes(\d+)$")


def contract_method(fragment: Mapping[str, Any]) -> dict[str, Any]:
    """The batch file's `contractMethod` from an ABI function entry."""
    name = fragment.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidArgument("<method>", "function", "the ABI fragment has no name")
    inputs = [_input_entry(entry) for entry in fragment.get("inputs", [])]
    names = [entry["name"] for entry in inputs]
    if any(not entry for entry in names) or len(set(names)) != len(names):
        raise InvalidArgument(name, "function", "every input needs a distinct name to key contractInputsValues")
    payable = fragment.get("stateMutability") == "payable" or bool(fragment.get("payable", False))
    return {"inputs": inputs, "name": name, "payable": payable}


def _input_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    abi_type = entry["type"]
    shaped: dict[str, Any] = {
        "internalType": entry.get("internalType", abi_type),
        "name": entry.get("name", ""),
        "type": abi_type,
    }
    if abi_type.startswith("tuple"):
        shaped["components"] = [_input_entry(component) for component in entry.get("components", [])]
    return shaped


def render_inputs_values(method: Mapping[str, Any], args: Sequence[Any] | Mapping[str, Any]) -> dict[str, str]:
    """`contractInputsValues`: one string per input, keyed by input name, in input order."""
    inputs = method["inputs"]
    if isinstance(args, Mapping):
        missing = [entry["name"] for entry in inputs if entry["name"] not in args]
        if missing or len(args) != len(inputs):
            raise InvalidArgument(method["name"], "function", f"arguments do not match inputs (missing: {missing})")
        args = [args[entry["name"]] for entry in inputs]
    if len(args) != len(inputs):
        raise InvalidArgument(method["name"], "function", f"takes {len(inputs)} argument(s), got {len(args)}")
    return {entry["name"]: render_argument(entry, value) for entry, value in zip(inputs, args, strict=True)}


def render_argument(entry: Mapping[str, Any], value: Any) -> str:
    abi_type = entry["type"]
    if _is_compound(abi_type):
        return json.dumps(_to_json(entry, value, entry["name"]), separators=(",", ":"), ensure_ascii=False)
    return _scalar_text(abi_type, value, entry["name"])


def parse_inputs_values(method: Mapping[str, Any], values: Mapping[str, Any]) -> list[Any]:
    """Python values for eth-abi from `contractInputsValues` strings (the reverse of rendering)."""
    parsed = []
    for entry in method["inputs"]:
        name = entry["name"]
        if name not in values:
            raise InvalidArgument(name, entry["type"], "no value in contractInputsValues")
        parsed.append(parse_argument(entry, values[name]))
    return parsed


def parse_argument(entry: Mapping[str, Any], text: Any) -> Any:
    abi_type, name = entry["type"], entry["name"]
    if not isinstance(text, str):
        raise InvalidArgument(name, abi_type, f"value must be a string, got {type(text).__name__}")
    if _is_compound(abi_type):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            raise InvalidArgument(name, abi_type, f"value is not JSON: {text[:60]!r}") from None
        return _from_json(entry, loaded, name)
    return _scalar_value(abi_type, text.strip() if abi_type != "string" else text, name)


def canonical_type(entry: Mapping[str, Any]) -> str:
    abi_type = entry["type"]
    if abi_type.startswith("tuple"):
        inner = ",".join(canonical_type(component) for component in entry.get("components", []))
        return f"({inner})" + abi_type[len("tuple") :]
    return abi_type


def selector(method: Mapping[str, Any]) -> bytes:
    types = ",".join(canonical_type(entry) for entry in method["inputs"])
    return keccak(text=f"{method['name']}({types})")[:4]


def encode_call(method: Mapping[str, Any], args: Sequence[Any]) -> bytes:
    types = [canonical_type(entry) for entry in method["inputs"]]
    try:
        return selector(method) + encode(types, list(args))
    except (EncodingError, TypeError, ValueError, OverflowError) as error:
        raise InvalidArgument(method["name"], "function", f"cannot ABI-encode the arguments ({error})") from None


def _is_compound(abi_type: str) -> bool:
    return abi_type.endswith("]") or abi_type.startswith("tuple")


def _split_array(abi_type: str) -> tuple[str, str | None]:
    """("uint256[2][]") -> ("uint256[2]", "[]"): the element type and the outermost dimension."""
    match = _ARRAY_SUFFIX.match(abi_type)
    if match is None or not match.group("dims"):
        return abi_type, None
    dims = match.group("dims")
    last = dims.rindex("[")
    return match.group("base") + dims[:last], dims[last:]


def _element_entry(entry: Mapping[str, Any], element_type: str) -> dict[str, Any]:
    return {**entry, "type": element_type}


def _check_length(dimension: str, items: Sequence[Any], abi_type: str, name: str) -> None:
    if dimension != "[]" and len(items) != int(dimension[1:-1]):
        raise InvalidArgument(name, abi_type, f"needs exactly {dimension[1:-1]} items, got {len(items)}")


def _to_json(entry: Mapping[str, Any], value: Any, name: str) -> Any:
    abi_type = entry["type"]
    element_type, dimension = _split_array(abi_type)
    if dimension is not None:
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
            raise InvalidArgument(name, abi_type, "expected a list")
        _check_length(dimension, value, abi_type, name)
        element = _element_entry(entry, element_type)
        return [_to_json(element, item, name) for item in value]
    if abi_type == "tuple":
        return [
            _to_json(component, item, f"{name}.{component['name']}")
            for component, item in zip(entry["components"], _tuple_items(entry, value, name), strict=True)
        ]
    if abi_type == "bool":
        if not isinstance(value, bool):
            raise InvalidArgument(name, abi_type, f"expected a bool, got {value!r}")
        return value
    return _scalar_text(abi_type, value, name)


def _tuple_items(entry: Mapping[str, Any], value: Any, name: str) -> list[Any]:
    components = entry["components"]
    if isinstance(value, Mapping):
        missing = [component["name"] for component in components if component["name"] not in value]
        if missing:
            raise InvalidArgument(name, "tuple", f"missing component(s) {missing}")
        return [value[component["name"]] for component in components]
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != len(components):
        raise InvalidArgument(name, "tuple", f"expected {len(components)} components")
    return list(value)


def _from_json(entry: Mapping[str, Any], value: Any, name: str) -> Any:
    abi_type = entry["type"]
    element_type, dimension = _split_array(abi_type)
    if dimension is not None:
        if not isinstance(value, list):
            raise InvalidArgument(name, abi_type, "expected a JSON array")
        _check_length(dimension, value, abi_type, name)
        element = _element_entry(entry, element_type)
        return [_from_json(element, item, name) for item in value]
    if abi_type == "tuple":
        return tuple(
            _from_json(component, item, f"{name}.{component['name']}")
            for component, item in zip(entry["components"], _tuple_items(entry, value, name), strict=True)
        )
    if abi_type == "bool" and isinstance(value, bool):
        return value
    if _INT.match(abi_type) and isinstance(value, int) and not isinstance(value, bool):
        return _checked_int(abi_type, value, name)
    if not isinstance(value, str):
        raise InvalidArgument(name, abi_type, f"unexpected JSON value {value!r}")
    return _scalar_value(abi_type, value, name)


def _scalar_text(abi_type: str, value: Any, name: str) -> str:
    if abi_type == "address":
        return _address(value, name)
    if abi_type == "bool":
        if not isinstance(value, bool):
            raise InvalidArgument(name, abi_type, f"expected a bool, got {value!r}")
        return "true" if value else "false"
    if _INT.match(abi_type):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgument(name, abi_type, f"expected an int, got {value!r}")
        return str(_checked_int(abi_type, value, name))
    if abi_type == "bytes" or _FIXED_BYTES.match(abi_type):
        return "0x" + _bytes(abi_type, value, name).hex()
    if abi_type == "string":
        if not isinstance(value, str):
            raise InvalidArgument(name, abi_type, f"expected a str, got {type(value).__name__}")
        return value
    raise InvalidArgument(name, abi_type, "unsupported ABI type")


def _scalar_value(abi_type: str, text: str, name: str) -> Any:
    if abi_type == "address":
        return _address(text, name)
    if abi_type == "bool":
        if text.lower() not in ("true", "false"):
            raise InvalidArgument(name, abi_type, f"expected true or false, got {text!r}")
        return text.lower() == "true"
    if _INT.match(abi_type):
        try:
            number = int(text, 16) if text.lower().startswith("0x") else int(text, 10)
        except ValueError:
            raise InvalidArgument(name, abi_type, f"not an integer: {text!r}") from None
        return _checked_int(abi_type, number, name)
    if abi_type == "bytes" or _FIXED_BYTES.match(abi_type):
        return _bytes(abi_type, text, name)
    if abi_type == "string":
        return text
    raise InvalidArgument(name, abi_type, "unsupported ABI type")


def _address(value: Any, name: str) -> str:
    try:
        return checksummed(value, name)
    except UsageError:
        raise InvalidArgument(name, "address", f"not an address: {value!r}") from None


def _bytes(abi_type: str, value: Any, name: str) -> bytes:
    try:
        data = hex_bytes(value, name)
    except UsageError:
        raise InvalidArgument(name, abi_type, "expected bytes or 0x-prefixed hex") from None
    fixed = _FIXED_BYTES.match(abi_type)
    if fixed and len(data) != int(fixed.group(1)):
        raise InvalidArgument(name, abi_type, f"expected {fixed.group(1)} bytes, got {len(data)}")
    return data


def _checked_int(abi_type: str, value: int, name: str) -> int:
    match = _INT.match(abi_type)
    if match is None:
        raise ValueError(f"_checked_int needs an int type, got {abi_type!r}")  # its callers match _INT first
    unsigned_prefix, bits_text = match.groups()
    bits = int(bits_text or 256)
    low, high = (0, 2**bits - 1) if unsigned_prefix == "u" else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if not low <= value <= high:
        raise InvalidArgument(name, abi_type, f"{value} is out of range")
    return value
