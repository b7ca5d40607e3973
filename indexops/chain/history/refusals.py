"""Which JSON-RPC errors are a provider refusing an eth_getLogs request as too big (too many blocks, results or
bytes), so that asking for fewer blocks is the answer, and the range some of them suggest instead.

The wordings are the real providers': "query returned more than 10000 results" (geth, Infura: -32005),
"block range is too wide" / "exceed maximum block range: 5000" (Ankr, BSC nodes), "limit exceeded" (-32005),
"Log response size exceeded... up to a 2K block range" (Alchemy: -32602), "eth_getLogs is limited to a 10,000
range" (QuickNode), "response size should not be greater than..." (others). A rate limit ("rate limit exceeded",
"request rate limited") is not one: it is asked again later, the same request (`rpc_retry`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RANGE = "range"  # a fixed limit on the blocks one request may span: it holds everywhere on the chain
SIZE = "size"  # a limit on what one request returns: it depends on how many logs the blocks hold

_RANGE_WORDS = ("too wide", "too large", "too big", "exceed", "limit", "maximum", "max ")
_SIZE_PATTERNS = (
    re.compile(r"more than \d[\d,]* (results|logs)"),
    re.compile(r"response size"),
    re.compile(r"too many (results|logs)"),
    re.compile(r"(results|logs) (limit|exceed)"),
    re.compile(r"^(query |logs? )?limit exceeded\.?$"),
)
_SUGGESTED = re.compile(r"\[\s*(0x[0-9a-fA-F]+)\s*,\s*(0x[0-9a-fA-F]+)\s*\]")


@dataclass(frozen=True)
class Refusal:
    kind: str  # RANGE or SIZE
    suggested: tuple[int, int] | None  # the block range the provider says would work, when it says one


def refusal(error: object) -> Refusal | None:
    """The refusal a JSON-RPC error object (or its message) is, else None."""
    message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
    text = message.lower()
    if "rate limit" in text or "request rate" in text:
        return None
    suggested = _suggested(message)
    if any(pattern.search(text) for pattern in _SIZE_PATTERNS):
        return Refusal(SIZE, suggested)
    if "range" in text and any(words in text for words in _RANGE_WORDS):
        return Refusal(RANGE, suggested)
    return None


def _suggested(message: str) -> tuple[int, int] | None:
    match = _SUGGESTED.search(message)
    if match is None:
        return None
    first, last = int(match.group(1), 16), int(match.group(2), 16)
    return (first, last) if first <= last else None
