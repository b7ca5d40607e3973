"""What a node answers, held to the JSON-RPC spec: an answer no node gives (a `result` that is not a hex
quantity, a block without its fields, return data that does not decode as the ABI says) is a
`GarbageAnswer`, one line naming the RPC (without credentials) and what was wrong."""

from __future__ import annotations

from indexops.chain.connection import Connection, display_url, without_urls
from indexops.errors import UsageError


class GarbageAnswer(UsageError):
    """The node answered something a JSON-RPC node never answers: the RPC URL is wrong or the node broken."""

    def __init__(self, connection: Connection, method: str, what: str):
        super().__init__(
            f"the RPC at {display_url(connection.rpc_url)} answered {method} with {what}: "
            "not a usable answer; check --rpc-url or the node"
        )


def quantity(value: object) -> int | None:
    """A JSON-RPC quantity ("0x" and at most 64 hex digits) as an int, else None."""
    if not isinstance(value, str) or not value.startswith("0x") or len(value) > 66:
        return None
    try:
        return int(value, 16)
    except ValueError:
        return None


def shown(value: object) -> str:
    """A short, URL-free glimpse of an answer for a one-line message."""
    return without_urls(repr(value))[:40]
