"""Reading private keys from text, and spotting text that looks like one.

Checks are done by pattern and range before any library parses the key, so no third-party
exception (whose message might quote the value) is ever raised from a key.
"""

from __future__ import annotations

import re

# Order of the secp256k1 group: a private key is an integer in [1, N - 1].
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

_KEY_HEX = re.compile(r"(?:0[xX])?[0-9a-fA-F]{64}")

KEY_FORMAT = "expected 0x followed by 64 hex digits"
KEY_RANGE = "zero or not below the secp256k1 curve order"


def looks_like_private_key(text: str) -> bool:
    """64 hex digits, with or without 0x: what a pasted private key looks like."""
    return _KEY_HEX.fullmatch(text.strip()) is not None


def private_key_from_hex(text: str) -> tuple[bytes | None, str | None]:
    """(key, None) for a valid key, else (None, fixed reason). Surrounding whitespace is ignored."""
    stripped = text.strip()
    if _KEY_HEX.fullmatch(stripped) is None:
        return None, KEY_FORMAT
    digits = stripped[2:] if stripped[:2] in ("0x", "0X") else stripped
    key = bytes.fromhex(digits)
    reason = key_range_problem(key)
    return (None, reason) if reason else (key, None)


def key_range_problem(key: bytes) -> str | None:
    """None when `key` is 32 bytes in secp256k1's range, else a fixed reason."""
    if len(key) != 32:
        return f"expected 32 bytes, got {len(key)}"
    if not 0 < int.from_bytes(key, "big") < SECP256K1_N:
        return KEY_RANGE
    return None
