"""The one retry policy for the executor's RPC calls: which failures deserve another try, and for how long.

A failure is transient when the request or its answer was lost on the way: the connection was refused,
closed or reset, the request timed out, or a gateway answered 5xx/429. An answer from the node (a revert,
an unknown transaction, a refused transaction) is never transient. Transient failures are tried again
after a doubling pause, for at most `PATIENCE_SECONDS` in all; then `RpcUnreachable` is raised and the
caller says what that means for the step at hand.

Only calls that are safe to repeat go through `call`: reads, the broadcast of a transaction that is
already signed and journaled (the same bytes, the same hash), and the sandbox's clock warp (repeated,
it only moves the clock further). Nothing here signs anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

PATIENCE_SECONDS = 30.0
FIRST_PAUSE_SECONDS = 0.02
MAX_PAUSE_SECONDS = 2.0

T = TypeVar("T")


class RpcUnreachable(Exception):
    """Every try failed transiently for longer than the patience allows."""

    def __init__(self, last: Exception):
        super().__init__(f"the RPC stayed unreachable for {PATIENCE_SECONDS:g} s (last: {type(last).__name__})")
        self.last = last


def is_transient(error: BaseException) -> bool:
    """The request or its answer was lost on the way; the node may or may not have acted on it."""
    import requests

    if isinstance(error, requests.HTTPError):
        status = error.response.status_code if error.response is not None else None
        return status is None or status >= 500 or status == 429
    return isinstance(error, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                              ConnectionError, TimeoutError))


def call(operation: Callable[[], T], *, sleep: Callable[[float], None] = time.sleep) -> T:
    """`operation()`, tried again on transient failures until `PATIENCE_SECONDS` have passed."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    pause = FIRST_PAUSE_SECONDS
    while True:
        try:
            return operation()
        except Exception as error:
            if not is_transient(error):
                raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RpcUnreachable(error) from error
        sleep(min(pause, remaining))
        pause = min(2 * pause, MAX_PAUSE_SECONDS)
