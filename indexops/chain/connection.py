"""A web3 connection that checks the chain id, rides out a flaky RPC, fails over between several URLs, fails fast on
a wrong URL, counts round trips."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from indexops.errors import ChainError

REQUEST_TIMEOUT_SECONDS = 5  # per HTTP request; a request that takes longer is lost and asked again


@dataclass
class Connection:
    w3: Any  # web3.Web3, imported lazily
    rpc_urls: tuple[str, ...]
    chain_id: int

    @property
    def rpc_url(self) -> str:
        """The endpoint requests go to now (a fork is made from it)."""
        return self.w3.provider.active_url

    @property
    def round_trips(self) -> int:
        return self.w3.provider.round_trips

    @property
    def active_endpoint(self) -> str:
        """The endpoint requests go to now, without credentials."""
        return self.w3.provider.active

    def health(self) -> list:
        """Each endpoint's state now (`endpoints.EndpointHealth`), in order, without credentials."""
        return self.w3.provider.health()

    def on_failover(self, listener: Callable[[str, str, str], None]) -> None:
        """Call `listener(old, new, reason)` (endpoints without credentials) whenever requests move elsewhere."""
        self.w3.provider.on_failover(listener)


def connect(
    rpc_url: str | Sequence[str],
    expected_chain_id: int | None = None,
    network_name: str = "",
    timeout: float | None = None,
    on_failover: Callable[[str, str, str], None] | None = None,
) -> Connection:
    """Connect and check the chain id of every endpoint; a lost request is asked again (`provider`), on the next
    endpoint when there are several; a wrong URL fails within seconds.

    An endpoint that is down now is checked when it is first used; one that reports another chain is refused
    here with one line naming it. `on_failover(old, new, reason)` hears of every move from the first request on."""
    from web3 import Web3

    from indexops.chain import rpc_retry
    from indexops.chain.provider import RetryingHTTPProvider

    urls = (rpc_url,) if isinstance(rpc_url, str) else tuple(rpc_url)
    provider = RetryingHTTPProvider(urls, timeout=REQUEST_TIMEOUT_SECONDS if timeout is None else timeout)
    if on_failover is not None:
        provider.on_failover(on_failover)
    w3 = Web3(provider)
    try:
        chain_id = int(w3.eth.chain_id)
    except Exception as error:  # requests raises many kinds; all mean the same to the user
        raise ChainError(
            f"cannot reach the RPC at {provider.pool.where} ({_reason(error)}): "
            "check --rpc-url or that the node is running"
        ) from None
    first = provider.pool.active
    if expected_chain_id is not None and chain_id != expected_chain_id:
        where = f"network {network_name!r} expects" if network_name else "expected"
        raise ChainError(f"wrong chain: {where} chain id {expected_chain_id} but {first.label} is chain {chain_id}")
    first.chain_checked = True
    provider.chain_id = chain_id
    for endpoint in provider.pool.endpoints:
        if endpoint.chain_checked:
            continue
        try:
            other = provider.ask_chain_id(endpoint)
        except Exception as error:
            if rpc_retry.is_transient(error):  # down or slow now: it shows its chain id before it is first used
                continue
            raise ChainError(
                f"cannot use the RPC at {endpoint.label} ({rpc_retry.describe(error)}): check its URL and key"
            ) from None
        if other != chain_id:
            shown = f"chain {other}" if other is not None else "no chain id"
            raise ChainError(
                f"wrong chain: {endpoint.label} is {shown} but {first.label} is chain {chain_id}: "
                "every RPC URL of a network must reach the same chain"
            )
        endpoint.chain_checked = True
    return Connection(w3=w3, rpc_urls=urls, chain_id=chain_id)


def display_url(url: str) -> str:
    """The URL without path, query or credentials: RPC providers put API keys there. Several URLs separated by
    commas (as `--rpc-url` takes them) are shown each so, separated by ", "."""
    if "," in url:
        return ", ".join(display_url(part.strip()) for part in url.split(",") if part.strip())
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
