"""The HTTP provider every connection uses: one or several endpoints, reads under the one retry policy with
failover, broadcasts sent once per endpoint, and a round-trip count.

Reads (`rpc_retry.REPEATABLE_METHODS`, and batches made of nothing else) are asked again when the request
or its answer is lost on the way, until the policy's deadline. With several endpoints (`endpoints.py`) they
go to the first healthy one; one whose failure persists, that refuses the connection or that answers slower
than the timeout rests for a cool-down and the read goes on to the next.

A broadcast (`eth_sendRawTransaction`) is sent once to the first healthy endpoint and, if it is lost on the
way there, to the next one with the same signed bytes (the same transaction, the same hash). When a later
endpoint answers with an error after an earlier one lost the request, the first endpoint may have delivered
it: the loss is raised, not the answer, so that the executor's journal looks the transaction up by hash and
decides. Anything else (the sandbox's clock and snapshot calls) is sent once, to the active endpoint.

Before an endpoint has answered once, a refused connection or an unknown host is final when no other
endpoint is left to try, so a wrong URL still fails within seconds; once one has answered, a refused
connection is a restart and is waited out. Once the connection knows its chain id (`chain_id`), an endpoint
that has not yet shown it is asked for it before it serves anything, and refused for good if it differs.

Imported lazily (it imports web3), so that `indexops --help` stays fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from web3 import HTTPProvider
from web3.providers.base import JSONBaseProvider

from indexops.chain import rpc_retry
from indexops.chain.connection import without_urls
from indexops.chain.endpoints import Endpoint, EndpointHealth, EndpointPool, FailoverListener

BROADCAST = "eth_sendRawTransaction"


class OtherChain(rpc_retry.TransientAnswer):
    """The endpoint reports another chain than the connection's: it is refused, the request goes elsewhere."""


class RetryingHTTPProvider(JSONBaseProvider):
    """web3's HTTP transport per endpoint without its own retries (ours are the one policy); fails over between
    endpoints; counts every HTTP round trip."""

    def __init__(self, rpc_url: str | Sequence[str], timeout: float, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.urls = (rpc_url,) if isinstance(rpc_url, str) else tuple(rpc_url)
        self.pool = EndpointPool(self.urls, clock)
        self._senders = {
            id(endpoint): HTTPProvider(
                endpoint.url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
            )
            for endpoint in self.pool.endpoints
        }
        self.round_trips = 0
        self.chain_id: int | None = None  # once known, every endpoint must report it before it serves anything

    # ---- what callers see ----------------------------------------------------------------

    @property
    def endpoint_uri(self) -> str:
        """Every URL, comma-separated as `--rpc-url` takes them (credentials included: show it with `display_url`)."""
        return ",".join(self.urls)

    @property
    def answered(self) -> bool:
        return any(endpoint.answered for endpoint in self.pool.endpoints)

    @property
    def active(self) -> str:
        """The endpoint requests go to now, without credentials."""
        return self.pool.active.label

    @property
    def active_url(self) -> str:
        return self.pool.active.url

    def health(self) -> list[EndpointHealth]:
        """Each endpoint's state now, in order, without credentials (for metrics and alerts)."""
        return self.pool.health()

    def on_failover(self, listener: FailoverListener) -> None:
        """Call `listener(old, new, reason)` (endpoints without credentials) whenever requests move elsewhere."""
        self.pool.on_failover(listener)

    def __str__(self) -> str:
        return f"RPC connection {self.pool.where}"

    # ---- web3's provider interface ---------------------------------------------------------

    def make_request(self, method, params):
        return self._under_policy([method], lambda sender: sender.make_request(method, params))

    def make_batch_request(self, requests):
        methods = [method for method, _ in requests]
        return self._under_policy(methods, lambda sender: sender.make_batch_request(requests))

    # ---- endpoints --------------------------------------------------------------------------

    def ask_chain_id(self, endpoint: Endpoint) -> int | None:
        """One `eth_chainId` to `endpoint`, not retried and not making it the active one: a transient failure is
        recorded and raised; an answer without a chain id is None."""
        response = self._on(endpoint, lambda sender: sender.make_request("eth_chainId", []), probe=True)
        result = response.get("result") if isinstance(response, dict) else None
        return int(result, 16) if isinstance(result, str) else None

    def _under_policy(self, methods: list[str], send: Callable):
        if all(method in rpc_retry.REPEATABLE_METHODS for method in methods):
            return rpc_retry.call(
                lambda: self._on(self.pool.pick(), send), where=self.pool.where, transient=self._worth_another_try
            )
        if all(method == BROADCAST for method in methods):
            return self._broadcast(send)
        return self._on(self.pool.pick(), send)

    def _broadcast(self, send: Callable):
        lost: Exception | None = None
        skipped: OtherChain | None = None
        for endpoint in self.pool.candidates():
            try:
                response = self._on(endpoint, send)
            except OtherChain as refused:  # refused before anything was sent to it
                skipped = refused
                continue
            except Exception as error:
                if not rpc_retry.is_transient(error):
                    if lost is not None:
                        raise lost from error  # the earlier endpoint may have delivered it: the journal decides
                    raise
                lost = error
                continue
            if lost is not None and isinstance(response, dict) and "error" in response:
                # "nonce too low", "already known"...: maybe because the earlier endpoint delivered it
                raise lost from rpc_retry.TransientAnswer(without_urls(str(response["error"]))[:200])
            return response
        failure = lost or skipped
        assert failure is not None
        raise failure

    def _on(self, endpoint: Endpoint, send: Callable, probe: bool = False):
        """One round trip to `endpoint`, its outcome recorded; unless a `probe`, it becomes the active endpoint
        (after its chain-id check, the first time)."""
        if not probe:
            self.pool.use(endpoint)
            if self.chain_id is not None and not endpoint.chain_checked:
                self._check_chain(endpoint)
        self.round_trips += 1
        try:
            response = send(self._senders[id(endpoint)])
            endpoint.answered = True
            message = rpc_retry.transient_answer(response)
            if message is not None:
                raise rpc_retry.TransientAnswer(without_urls(message))
        except Exception as error:
            if rpc_retry.is_transient(error):
                self._failed(endpoint, error)
            raise
        self.pool.answered(endpoint)
        return response

    def _check_chain(self, endpoint: Endpoint) -> None:
        try:
            chain_id = self.ask_chain_id(endpoint)
        except Exception as error:
            if rpc_retry.is_transient(error):
                raise
            reason = f"its chain-id check failed: {rpc_retry.describe(error)}"  # a wrong key (HTTP 401), not a blip
            self.pool.refuse(endpoint, reason)
            raise OtherChain(f"{endpoint.label}: {reason}") from None
        if chain_id != self.chain_id:
            reason = f"it is chain {chain_id}, not {self.chain_id}" if chain_id else "it reports no chain id"
            self.pool.refuse(endpoint, reason)
            raise OtherChain(f"{endpoint.label}: {reason}")
        endpoint.chain_checked = True

    def _failed(self, endpoint: Endpoint, error: BaseException) -> None:
        import requests

        never_reached = rpc_retry.never_reached(error)
        slow = isinstance(error, requests.Timeout)  # slower than the timeout counts as down
        self.pool.failed(
            endpoint, rpc_retry.describe(error), at_once=never_reached or slow, never_reached=never_reached
        )

    def _worth_another_try(self, error: BaseException) -> bool:
        return rpc_retry.is_transient(error) and not self.pool.hopeless()
