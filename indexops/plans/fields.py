"""Field types of a plan: addresses, hex, ints, floats, one-line text and call arguments.

Validation runs in one of three modes, passed as pydantic context:
- `built` (the default): values from Python code; ints must be ints, and the plan must carry
  the right `content_hash` (see `model.Plan`).
- `unsealed`: the same, without the hash check (what `seal` uses before it computes the hash).
- `file`: a JSON tree read from a plan file; ints must follow the int rule in `canonical`
  exactly (numbers when safe, strings when big), floats must be JSON floats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any

from eth_utils import function_signature_to_4byte_selector, is_checksum_address, to_checksum_address
from pydantic import PlainValidator, ValidationInfo

from indexops.plans.canonical import MAX_SAFE_INT, decode_int_text

MODE_KEY = "indexops.plans.mode"
BUILT, UNSEALED, FILE = "built", "unsealed", "file"

UINT256_MAX = 2**256 - 1
INT256_MIN = -(2**255)
INT256_MAX = 2**255 - 1

_HEX = re.compile(r"[0-9a-fA-F]*")
_SIGNATURE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\([A-Za-z0-9_,\[\]()]*\)")


def context(mode: str) -> dict[str, str]:
    return {MODE_KEY: mode}


def mode_of(info: ValidationInfo | None) -> str:
    ctx = getattr(info, "context", None)
    return ctx.get(MODE_KEY, BUILT) if isinstance(ctx, Mapping) else BUILT


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


# ---- ints -------------------------------------------------------------------------------


def read_int(value: object, mode: str) -> int:
    """An int field's value, spelled as the mode requires (any range; callers bound it)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"expected an integer, got {_kind(value)}")
    if isinstance(value, str):
        if mode != FILE:
            raise ValueError(f"expected an integer, got a string {value!r}")
        number = decode_int_text(value)
        if number is None:
            raise ValueError(
                f"{value!r} is not an integer as plan files write them "
                f"(a JSON number up to {MAX_SAFE_INT}, a string of digits only beyond that)"
            )
        return number
    if mode == FILE and abs(value) > MAX_SAFE_INT:
        raise ValueError(_big_int_as_number(value))
    return int(value)


def _big_int_as_number(value: int) -> str:
    return f'{value} is beyond {MAX_SAFE_INT}, so a plan file writes it as the string "{value}"'


def _int_type(low: int, high: int, range_text: str):
    def check(value: object, info: ValidationInfo) -> int:
        number = read_int(value, mode_of(info))
        if not low <= number <= high:
            raise ValueError(f"{number} is out of range ({range_text})")
        return number

    return Annotated[int, PlainValidator(check)]


UInt = _int_type(0, UINT256_MAX, "0 to 2**256 - 1")
PositiveInt = _int_type(1, UINT256_MAX, "1 to 2**256 - 1")
SignedInt = _int_type(INT256_MIN, INT256_MAX, "-2**255 to 2**255 - 1")
Decimals = _int_type(0, 255, "0 to 255")


def _schema_version(value: object, info: ValidationInfo) -> int:
    if isinstance(value, bool) or value != 1 or not isinstance(value, int):
        raise ValueError(f"expected 1, got {value!r}")
    return 1


SchemaVersion = Annotated[int, PlainValidator(_schema_version)]


# ---- floats -----------------------------------------------------------------------------


def _float(value: object, info: ValidationInfo) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {_kind(value)}")
    if isinstance(value, int):
        if mode_of(info) == FILE:
            raise ValueError(f"expected a decimal number (as {float(value)!r}), got the integer {value}")
        try:
            value = float(value)
        except OverflowError:
            raise ValueError("number too large for a float") from None
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return value + 0.0  # -0.0 -> 0.0: equal plans must spell alike


Float = Annotated[float, PlainValidator(_float)]


# ---- text -------------------------------------------------------------------------------


def _line(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {_kind(value)}")
    if not value.strip():
        raise ValueError("must not be empty")
    if value.splitlines() != [value]:
        raise ValueError("must be one line (no line breaks)")
    return value


Line = Annotated[str, PlainValidator(_line)]


def _utc_time(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO-8601 UTC time, got {_kind(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{_short(value)} is not an ISO-8601 time (e.g. 2024-05-01T12:00:00Z)") from None
    if moment.utcoffset() != timedelta(0):
        raise ValueError(f"{_short(value)} is not in UTC (end it with Z or +00:00)")
    return value


UtcTime = Annotated[str, PlainValidator(_utc_time)]


def _address(value: object) -> str:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"not an address: {value!r} (expected 0x followed by 40 hex digits)")
    if len(value) != 42 or not _HEX.fullmatch(value[2:]):
        raise ValueError(f"not an address: {value!r} (expected 0x followed by 40 hex digits)")
    if not is_checksum_address(value):
        raise ValueError(f"address is not checksummed: {value} (expected {to_checksum_address(value)})")
    return value


Address = Annotated[str, PlainValidator(_address)]


def _hex32(value: object) -> str:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 66 or not _HEX.fullmatch(value[2:]):
        raise ValueError(f"expected 0x followed by 64 hex digits, got {value!r}")
    return value.lower()


Hash32 = Annotated[str, PlainValidator(_hex32)]


def _hex_data(value: object) -> str:
    if not isinstance(value, str) or not value.startswith("0x") or not _HEX.fullmatch(value[2:]):
        raise ValueError(f"expected 0x-prefixed hex, got {_short(value)}")
    if len(value) % 2:
        raise ValueError(f"expected whole bytes, got an odd number of hex digits ({len(value) - 2})")
    return value.lower()


HexData = Annotated[str, PlainValidator(_hex_data)]


def _signature(value: object) -> str:
    if not isinstance(value, str) or not _SIGNATURE.fullmatch(value):
        raise ValueError(f"expected a Solidity signature such as trade(address,address,uint256), got {_short(value)}")
    return value


Signature = Annotated[str, PlainValidator(_signature)]


def selector(signature: str) -> str:
    """`0x` + the 4-byte selector of a Solidity signature."""
    return "0x" + function_signature_to_4byte_selector(signature).hex()


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---- call arguments ---------------------------------------------------------------------


def _args(value: object, info: ValidationInfo) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"expected an object of arguments by name, got {_kind(value)}")
    return _arg(value, "", mode_of(info))


def _arg(value: Any, path: str, mode: str) -> Any:
    where = f"{path}: " if path else ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if mode == FILE and abs(value) > MAX_SAFE_INT:
            raise ValueError(where + _big_int_as_number(value))
        if not INT256_MIN <= value <= UINT256_MAX:
            raise ValueError(f"{where}{value} does not fit in 256 bits")
        return int(value)
    if isinstance(value, str):
        number = decode_int_text(value)
        if number is None:
            return value
        if mode == FILE:
            if not INT256_MIN <= number <= UINT256_MAX:
                raise ValueError(f"{where}{number} does not fit in 256 bits")
            return number
        raise ValueError(
            f"{where}the string {value!r} would read back from the file as an integer; pass the int {number}"
        )
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}argument name {key!r} is not a string")
            out[key] = _arg(item, f"{path}.{key}" if path else key, mode)
        return out
    if isinstance(value, (list, tuple)) and not (mode == FILE and isinstance(value, tuple)):
        return [_arg(item, f"{path}[{index}]", mode) for index, item in enumerate(value)]
    raise ValueError(f"{where}{_kind(value)} is not a call argument (use ints, text, true/false, lists, objects)")


Args = Annotated[dict[str, Any], PlainValidator(_args)]


def _amounts(value: object, info: ValidationInfo) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise ValueError(f"expected an object of named amounts, got {_kind(value)}")
    mode = mode_of(info)
    out: dict[str, int] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"amount name {key!r} is not a non-empty string")
        try:
            number = read_int(item, mode)
        except ValueError as error:
            raise ValueError(f"{key}: {error}") from None
        if not 0 <= number <= UINT256_MAX:
            raise ValueError(f"{key}: {number} is out of range (0 to 2**256 - 1)")
        out[key] = number
    return out


Amounts = Annotated[dict[str, int], PlainValidator(_amounts)]
