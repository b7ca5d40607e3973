"""A web3 connection that checks the chain id, fails fast and counts round trips."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from indexops.errors import ChainError

CONNECT_TIMEOUT_SECONDS = 5


def _counting_provider_class():
    from web3 import HTTPProvider

    class CountingHTTPProvider(HTTPProvider):
        """Counts JSON-RPC round trips: one per request, one per batch."""

        round_trips = 0

        def make_request(self, method, params):
            self.round_trips += 1
            return super().make_request(method, params)

        def make_batch_request(self, requests):
            self.round_trips += 1
            return super().make_batch_request(requests)

    return CountingHTTPProvider


@dataclass
class Connection:
    w3: object  # web3.Web3, imported lazily
    rpc_url: str
    chain_id: int

    @property
    def round_trips(self) -> int:
        return self.w3.provider.round_trips


def connect(rpc_url: str, expected_chain_id: int | None = None, network_name: str = "") -> Connection:
    """Connect and check the chain id; unreachable nodes fail within a few seconds."""
    from web3 import Web3

    provider = _counting_provider_class()(
        rpc_url, request_kwargs={"timeout": CONNECT_TIMEOUT_SECONDS}, exception_retry_configuration=None
    )
    w3 = Web3(provider)
    try:
        chain_id = int(w3.eth.chain_id)
    except Exception as error:  # requests raises many kinds; all mean the same to the user
        raise ChainError(
            f"cannot reach the RPC at {display_url(rpc_url)} ({_reason(error)}): check --rpc-url or that the node is running"
        ) from None
    if expected_chain_id is not None and chain_id != expected_chain_id:
        where = f"network {network_name!r} expects" if network_name else "expected"
        raise ChainError(f"wrong chain: {where} chain id {expected_chain_id} but {display_url(rpc_url)} is chain {chain_id}")
    return Connection(w3=w3, rpc_url=rpc_url, chain_id=chain_id)


def display_url(url: str) -> str:
    """The URL without path, query or credentials: RPC providers put API keys there."""
    parts = urlsplit(url)
    if not parts.hostname:
        return "the configured RPC URL"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def _reason(error: Exception) -> str:
    """What went wrong, in words that cannot carry the URL (and so no API key in its path)."""
    text = str(error)
    for known in ("Connection refused", "timed out", "Name or service not known", "Max retries exceeded"):
        if known in text:
            return known.lower()
    return type(error).__name__
