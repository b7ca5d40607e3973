"""The one retry policy for RPC calls: which failures deserve another try, and for how long.

A failure is transient when the request or its answer was lost on the way: the connection was closed,
reset or aborted, the request timed out, a gateway answered HTTP 5xx/429, or the answer itself says
"try again" (a rate limit, a node-side timeout). An answer from the node about the request (a revert,
an unknown transaction, a refused transaction) is never transient. Transient failures are tried again
after a doubling pause until `PATIENCE_SECONDS` have passed since the first try (the deadline); then
`RpcUnreachable` is raised, one line that says where and what was last seen.

What web3 8's HTTPProvider raises, single calls and batches alike (tests/unit/chain/test_provider_retry.py
checks it against a real HTTP server):

- a connection closed without an answer: `requests.ConnectionError(ProtocolError('Connection aborted.',
  RemoteDisconnected(...)))`; a reset: the same with `ConnectionResetError`;
- HTTP 502/503/504/429: `requests.HTTPError` (from `raise_for_status`, before the body is read);
- the client's timeout: `requests.ReadTimeout` / `requests.ConnectTimeout`;
- a JSON-RPC error answer under HTTP 200 (a rate limit, "request timed out"): `Web3RPCError` (or its
  `RequestTimedOut`) for a single call, while a batch gets the bare error object back instead of a list.
  `transient_answer` recognises these answers so the provider can retry them (`TransientAnswer`).

Only calls that are safe to repeat go through `call`: reads (`REPEATABLE_METHODS`), the broadcast of a
transaction that is already signed and journaled (the same bytes, the same hash, looked up first), and
the sandbox's clock warp (repeated, it only moves the clock further). Nothing here signs anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from indexops.chain.history.refusals import refusal
from indexops.errors import ChainError

PATIENCE_SECONDS = 30.0
FIRST_PAUSE_SECONDS = 0.02
MAX_PAUSE_SECONDS = 2.0

# Reads: asking twice changes nothing. Broadcasts and the sandbox's evm_*/anvil_* calls are not here.
REPEATABLE_METHODS = frozenset(
    {
        "web3_clientVersion",
        "net_version",
        "eth_chainId",
        "eth_syncing",
        "eth_blockNumber",
        "eth_getBlockByNumber",
        "eth_getBlockByHash",
        "eth_call",
        "eth_estimateGas",
        "eth_createAccessList",
        "eth_gasPrice",
        "eth_maxPriorityFeePerGas",
        "eth_feeHistory",
        "eth_getBalance",
        "eth_getCode",
        "eth_getStorageAt",
        "eth_getProof",
        "eth_getTransactionCount",
        "eth_getTransactionByHash",
        "eth_getTransactionReceipt",
        "eth_getLogs",
        "eth_accounts",
    }
)

# JSON-RPC error answers that mean "ask again later": HTTP-style and EIP-1474 codes, and the words gateways use
TRANSIENT_CODES = frozenset({429, 502, 503, 504, -32005})
TRANSIENT_WORDS = (
    "rate limit",
    "too many requests",
    "request timed out",
    "bad gateway",
    "service unavailable",
    "gateway timeout",
    "temporarily unavailable",
)

T = TypeVar("T")


class TransientAnswer(Exception):
    """An answer that says "try again" (a gateway's rate limit or timeout), not an answer to the request."""


class RpcUnreachable(ChainError):
    """Every try failed transiently until the deadline passed."""

    def __init__(self, where: str, last: BaseException, patience: float):
        subject = f"every RPC ({where})" if ", " in where else f"the RPC at {where}"  # several endpoints: all down
        super().__init__(
            f"{subject} stayed unreachable for {patience:g} s (last: {describe(last)}): "
            "check the node, then run the same command again"
        )
        self.where, self.last, self.patience = where, last, patience


def is_transient(error: BaseException) -> bool:
    """The request or its answer was lost on the way; the node may or may not have acted on it."""
    import requests
    from web3.exceptions import ProviderConnectionError, RequestTimedOut, Web3RPCError

    lost_on_the_way = (
        TransientAnswer,
        RequestTimedOut,
        ProviderConnectionError,
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
        ConnectionError,
        TimeoutError,
    )
    for cause in _causes(error):
        if isinstance(cause, RpcUnreachable):
            return False  # the policy already gave up on this one
        if isinstance(cause, requests.HTTPError):
            status = cause.response.status_code if cause.response is not None else None
            return status is None or status >= 500 or status == 429
        if isinstance(cause, lost_on_the_way):
            return True
        if isinstance(cause, Web3RPCError) and isinstance(cause.rpc_response, dict):
            return transient_answer(cause.rpc_response) is not None
    return False


def never_reached(error: BaseException) -> bool:
    """No server took the connection: refused, unknown host, or no handshake in time (a wrong URL, a node down)."""
    import requests
    from urllib3.exceptions import ConnectTimeoutError  # NewConnectionError and NameResolutionError are ones

    if isinstance(error, (requests.ConnectTimeout, ConnectionRefusedError)):
        return True
    if isinstance(error, requests.ConnectionError) and error.args:
        return isinstance(getattr(error.args[0], "reason", None), ConnectTimeoutError)  # urllib3's MaxRetryError
    return False


def transient_answer(response) -> str | None:
    """The message of a "try again" error in a JSON-RPC answer (one object, or any entry of a batch), else None."""
    for answer in response if isinstance(response, list) else [response]:
        error = answer.get("error") if isinstance(answer, dict) else None
        if not isinstance(error, dict):
            continue
        message = str(error.get("message", ""))
        if refusal(error) is not None:
            continue  # a request refused as too big (-32005 "limit exceeded"): the node's answer, not "try again"
        if error.get("code") in TRANSIENT_CODES or any(words in message.lower() for words in TRANSIENT_WORDS):
            return f"JSON-RPC error {error.get('code')}: {message}"
    return None


def describe(error: BaseException) -> str:
    """A few words for what went wrong, never the URL (it may carry an API key)."""
    import requests

    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code} {error.response.reason or ''}".strip()
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection refused" if never_reached(error) else "connection lost"
    if isinstance(error, TransientAnswer):
        return str(error)[:120]
    return type(error).__name__


def call(
    operation: Callable[[], T],
    *,
    where: str = "the configured RPC URL",
    sleep: Callable[[float], None] = time.sleep,
    transient: Callable[[BaseException], bool] = is_transient,
) -> T:
    """`operation()`, tried again on transient failures until `PATIENCE_SECONDS` have passed; `where` names the
    RPC in the final message (display it without credentials)."""
    patience = PATIENCE_SECONDS
    deadline = time.monotonic() + patience
    pause = FIRST_PAUSE_SECONDS
    while True:
        try:
            return operation()
        except Exception as error:
            if not transient(error):
                raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RpcUnreachable(where, error, patience) from error
        sleep(min(pause, remaining))
        pause = min(2 * pause, MAX_PAUSE_SECONDS)


def _causes(error: BaseException | None) -> Iterator[BaseException]:
    """The error and what it was raised from (a library may wrap a lost connection in its own type)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__
