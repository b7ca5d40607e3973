"""A web3 connection that checks the chain id, rides out a flaky RPC, fails fast on a wrong URL, counts round trips."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from indexops.errors import ChainError

REQUEST_TIMEOUT_SECONDS = 5  # per HTTP request; a request that takes longer is lost and asked again


@dataclass
class Connection:
    w3: Any  # web3.Web3, imported lazily
    rpc_url: str
    chain_id: int

    @property
    def round_trips(self) -> int:
        return self.w3.provider.round_trips


def connect(rpc_url: str, expected_chain_id: int | None = None, network_name: str = "") -> Connection:
    """Connect and check the chain id; a lost request is asked again (`provider`), a wrong URL fails within seconds."""
    from web3 import Web3

    from indexops.chain.provider import RetryingHTTPProvider

    w3 = Web3(RetryingHTTPProvider(rpc_url, timeout=REQUEST_TIMEOUT_SECONDS))
    try:
        chain_id = int(w3.eth.chain_id)
    except Exception as error:  # requests raises many kinds; all mean the same to the user
        raise ChainError(
            f"cannot reach the RPC at {display_url(rpc_url)} ({_reason(error)}): "
            "check --rpc-url or that the node is running"
        ) from None
    if expected_chain_id is not None and chain_id != expected_chain_id:
        where = f"network {network_name!r} expects" if network_name else "expected"
        raise ChainError(
            f"wrong chain: {where} chain id {expected_chain_id} but {display_url(rpc_url)} is chain {chain_id}"
        )
    return Connection(w3=w3, rpc_url=rpc_url, chain_id=chain_id)


def display_url(url: str) -> str:
    """The URL without path, query or credentials: RPC providers put API keys there."""
    parts = urlsplit(url)
    if not parts.hostname:
        return "the configured RPC URL"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def without_urls(text: str) -> str:
    """`text` with every URL in it shown as `display_url` shows it (node URLs may carry API keys)."""
    import re

    return re.sub(r"https?://[^\s'\")]+", lambda match: display_url(match.group(0)), text)


def error_line(error: BaseException, limit: int = 160) -> str:
    """The first line of an error's message with its URLs shown without credentials, for a one-line message."""
    text = str(error)
    first = text.splitlines()[0] if text else type(error).__name__
    return without_urls(first)[:limit]


def _reason(error: Exception) -> str:
    """What went wrong, in words that cannot carry the URL (and so no API key in its path)."""
    from indexops.chain import rpc_retry

    if isinstance(error, rpc_retry.RpcUnreachable):
        return f"no answer for {error.patience:g} s, last: {rpc_retry.describe(error.last)}"
    text = str(error)
    for known in ("Connection refused", "timed out", "Name or service not known", "Max retries exceeded"):
        if known in text:
            return known.lower()
    return type(error).__name__
