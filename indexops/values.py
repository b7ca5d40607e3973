"""Validation of the plain values that enter indexops from files, flags and RPC answers: addresses, hex bytes,
integers, ABI arguments. Every layer uses it, so it imports nothing of indexops but the root errors."""

from __future__ import annotations

from eth_utils import is_checksum_address, is_checksum_formatted_address, is_hex_address, to_checksum_address

from indexops.errors import UsageError

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
UINT256_MAX = 2**256 - 1


class InvalidAddress(UsageError):
    def __init__(self, what: str, value: object):
        self.what = what
        self.value = value
        super().__init__(f"{what}: {value!r} is not an address (0x + 40 hex digits, valid checksum if mixed case)")


class InvalidValue(UsageError):
    def __init__(self, what: str, reason: str):
        self.what = what
        self.reason = reason
        super().__init__(f"{what}: {reason}")


class InvalidArgument(UsageError):
    def __init__(self, name: str, abi_type: str, reason: str):
        self.name = name
        self.abi_type = abi_type
        super().__init__(f"argument {name!r} ({abi_type}): {reason}")


def checksummed(value: object, what: str) -> str:
    """A checksummed address from a hex string; a mixed-case input must carry a valid checksum."""
    if not isinstance(value, str) or not value.startswith("0x") or not is_hex_address(value):
        raise InvalidAddress(what, value)
    # eth-utils' is_address accepts any casing; a mixed-case address must carry a valid checksum
    if is_checksum_formatted_address(value) and not is_checksum_address(value):
        raise InvalidAddress(what, value)
    return to_checksum_address(value)


def address_from_word(word: bytes) -> str:
    """The address held in the low 20 bytes of a 32-byte word (r of approved-hash/contract signatures)."""
    return to_checksum_address(word[-20:])


def hex_bytes(value: object, what: str) -> bytes:
    """Bytes from bytes-like input or a 0x-prefixed hex string of even length."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise InvalidValue(what, f"expected 0x-prefixed hex, got {_short(value)}")
    digits = value[2:]
    if len(digits) % 2:
        raise InvalidValue(what, "hex data has an odd number of digits")
    try:
        return bytes.fromhex(digits)
    except ValueError:
        raise InvalidValue(what, f"not hex: {_short(value)}") from None


def unsigned(value: object, what: str, bits: int = 256) -> int:
    """A non-negative int that fits in `bits` bits; bools are refused (they are ints in Python)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(what, f"expected an integer, got {_short(value)}")
    if value < 0 or value >= 2**bits:
        raise InvalidValue(what, f"{value} is outside uint{bits}")
    return value


def decimal_string(value: object, what: str, bits: int = 256) -> int:
    """An int from a string of decimal digits, as the batch file and the service write numbers."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise InvalidValue(what, f"expected a string of decimal digits, got {_short(value)}")
    return unsigned(int(value), what, bits)


def bytes32(value: object, what: str) -> bytes:
    data = hex_bytes(value, what)
    if len(data) != 32:
        raise InvalidValue(what, f"expected 32 bytes, got {len(data)}")
    return data


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
