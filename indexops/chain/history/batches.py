"""One JSON-RPC batch sent and its answers checked, in the order asked; and a long list of requests cut into
batches a provider takes (providers cap a batch's length: 100 is under every public limit we know of)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from indexops.chain.answers import GarbageAnswer, shown
from indexops.chain.connection import display_url, error_line
from indexops.errors import ChainError, IndexopsError

MAX_BATCH = 100

T = TypeVar("T")


class BatchRefused(ChainError):
    """The RPC answered a whole batch with one error object (its `error`) instead of one answer per request."""

    def __init__(self, connection, method: str, error: object):
        self.error = error
        message = error_line(Exception(error.get("message", error) if isinstance(error, dict) else error))
        super().__init__(f"the RPC at {display_url(connection.rpc_url)} refused a batch of {method}: {message}")


def send(connection, requests: Sequence[tuple[str, list]]) -> list[dict]:
    """The answer objects (`result` or `error`) to `requests`, sent as one batch."""
    if not requests:
        return []
    method = requests[0][0]
    try:
        responses = connection.w3.provider.make_batch_request(list(requests))
    except IndexopsError:
        raise  # the RPC stayed unreachable past the retry policy's deadline
    except Exception as error:
        raise ChainError(
            f"the RPC at {display_url(connection.rpc_url)} failed a batch of {method}: {error_line(error)}"
        ) from None
    if isinstance(responses, dict) and "error" in responses:
        raise BatchRefused(connection, method, responses["error"])
    if not isinstance(responses, list) or len(responses) != len(requests):
        raise GarbageAnswer(connection, f"a batch of {len(requests)} {method}", f"{shown(responses)}")
    for response in responses:
        if not isinstance(response, dict) or ("result" not in response and "error" not in response):
            raise GarbageAnswer(connection, method, f"an answer without a result ({shown(response)})")
    return responses


def groups(items: Sequence[T], size: int = MAX_BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
