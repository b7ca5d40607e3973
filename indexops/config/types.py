"""Field types shared by the products-file models: addresses and amounts as operators write them."""

from __future__ import annotations

from typing import Annotated

from eth_utils import is_checksum_address, is_hex_address, to_checksum_address
from pydantic import AfterValidator


def checksummed_address(value: str) -> str:
    """Accept only an EIP-55 checksummed address, saying what the right spelling is."""
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"not an address: {value!r} (expected 0x followed by 40 hex digits)")
    digits = value[2:]
    if (bad := _first_non_hex(digits)) is not None:
        raise ValueError(f"not an address: {value!r} ({bad!r} is not a hex digit)")
    if len(digits) != 40 or not is_hex_address(value):
        raise ValueError(f"not an address: {value!r} ({len(digits)} hex digits after 0x, expected 40)")
    if not is_checksum_address(value):
        raise ValueError(f"address is not checksummed: {value} (expected {to_checksum_address(value)})")
    return value


def hex_bytes(value: str) -> str:
    """Accept `0x`-prefixed hex with whole bytes, as exchange data is written."""
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"not 0x-prefixed hex: {value!r}")
    body = value[2:]
    if (bad := _first_non_hex(body)) is not None:
        raise ValueError(f"not hex: {value!r} ({bad!r} is not a hex digit)")
    if len(body) % 2:
        raise ValueError(f"not whole bytes: {value!r} has an odd number of hex digits ({len(body)})")
    return value.lower()


def rpc_url_problem(value: str) -> str | None:
    """What is wrong with a JSON-RPC URL as written (`${NAME}` references allowed), or None. The message never
    repeats the URL: its path, query or credentials may hold an API key."""
    import re
    from urllib.parse import urlsplit

    if not value:
        return "empty: give an http:// or https:// URL"
    if any(c.isspace() for c in value):
        return "not an RPC URL: it contains whitespace"
    if "," in value:
        return "not an RPC URL: it contains a comma (give several URLs as rpc_urls = [...])"
    bare = re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", "X", value)
    if "${" in bare:
        return "not an RPC URL: an unclosed or malformed ${NAME} reference"
    if value.startswith("${"):
        return None  # the environment supplies the scheme and host; checked again once filled in
    parts = urlsplit(bare)
    if parts.scheme not in ("http", "https"):
        return "not an RPC URL: must start with http:// or https:// (or be a ${NAME} holding one)"
    try:
        parts.port  # noqa: B018 - a port that is not a number raises
    except ValueError:
        return f"not an RPC URL: its port is not a number (after {parts.scheme}://)"
    if not parts.hostname:
        return f"not an RPC URL: no host after {parts.scheme}://"
    return None


def rpc_url(value: str) -> str:
    problem = rpc_url_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def alert_url_problem(value: str) -> str | None:
    """What is wrong with an apprise URL as written (`${NAME}` references allowed), or None. The message never
    repeats the URL: its credentials are in it."""
    import re

    if not isinstance(value, str) or not value:
        return "empty: give an apprise URL such as json://host:port/path"
    if any(c.isspace() for c in value):
        return "not an alert URL: it contains whitespace"
    bare = re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", "X", value)
    if "${" in bare:
        return "not an alert URL: an unclosed or malformed ${NAME} reference"
    if value.startswith("${"):
        return None  # the environment supplies it; checked again once filled in
    if re.fullmatch(r"[a-z][a-z0-9+.-]*://\S+", bare) is None:
        return "not an alert URL: expected scheme://... (an apprise URL, e.g. json://host:port/path)"
    return None


def alert_url(value: str) -> str:
    problem = alert_url_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _first_non_hex(text: str) -> str | None:
    return next((c for c in text if c not in "0123456789abcdefABCDEF"), None)


Address = Annotated[str, AfterValidator(checksummed_address)]
HexData = Annotated[str, AfterValidator(hex_bytes)]
RpcUrl = Annotated[str, AfterValidator(rpc_url)]
AlertUrl = Annotated[str, AfterValidator(alert_url)]
