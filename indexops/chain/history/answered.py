"""An archive read's answer by name, or one line: a revert is a ChainError, an answer no node gives a GarbageAnswer."""

from __future__ import annotations

from typing import Any

from indexops.chain.answers import GarbageAnswer
from indexops.chain.batch import CallFailed
from indexops.errors import ChainError


def value(connection, results: list, ticket: int, what: str, block: int) -> Any:
    answer = results[ticket]
    if isinstance(answer, CallFailed):
        if answer.garbage:
            raise GarbageAnswer(connection, f"{what} at block {block}", answer.reason)
        raise ChainError(f"reading {what} at block {block} failed: {answer.reason}")
    return answer


def maybe(results: list, ticket: int) -> Any | None:
    """The answer, or None when the read failed (a token that is not a cToken, say)."""
    answer = results[ticket]
    return None if isinstance(answer, CallFailed) else answer
