"""The HTTP provider every connection uses: reads under the one retry policy, and a round-trip count.

Reads (`rpc_retry.REPEATABLE_METHODS`, and batches made of nothing else) are asked again when the request
or its answer is lost on the way, until the policy's deadline. Anything else (a broadcast, the sandbox's
clock and snapshot calls) is sent once and its failure is the caller's to judge: the executor's journal
decides whether a lost broadcast may be sent again, as the same signed bytes.

Before the node has answered once, a refused connection or an unknown host is final, so a wrong URL still
fails within seconds; once it has answered, a refused connection is a restart and is waited out.

Imported lazily (it imports web3), so that `indexops --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable

from web3 import HTTPProvider

from indexops.chain import rpc_retry
from indexops.chain.connection import display_url, without_urls


class RetryingHTTPProvider(HTTPProvider):
    """web3's HTTPProvider without its own retries (ours are the one policy); counts every HTTP round trip."""

    def __init__(self, rpc_url: str, timeout: float):
        super().__init__(rpc_url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None)
        self.round_trips = 0
        self.answered = False  # has a server at this URL answered anything yet?

    def make_request(self, method, params):
        return self._under_policy([method], lambda: super(RetryingHTTPProvider, self).make_request(method, params))

    def make_batch_request(self, requests):
        send = super().make_batch_request
        return self._under_policy([method for method, _ in requests], lambda: send(requests))

    def _under_policy(self, methods: list[str], send: Callable):
        if not all(method in rpc_retry.REPEATABLE_METHODS for method in methods):
            return self._once(send)
        return rpc_retry.call(
            lambda: self._once(send), where=display_url(str(self.endpoint_uri)), transient=self._worth_another_try
        )

    def _once(self, send: Callable):
        self.round_trips += 1
        response = send()
        self.answered = True
        message = rpc_retry.transient_answer(response)
        if message is not None:
            raise rpc_retry.TransientAnswer(without_urls(message))
        return response

    def _worth_another_try(self, error: BaseException) -> bool:
        return rpc_retry.is_transient(error) and (self.answered or not rpc_retry.never_reached(error))
