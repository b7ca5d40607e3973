"""Safe Transaction Service client: describe a Safe, read its queue, propose a SafeTx and add confirmations.

Every client is made for one chain id, and before its first request (read or post) it asks the service
which chain it serves (`GET /api/v1/about/ethereum-rpc/`): a service for another chain is refused before
anything is read from it or posted to it.

Number formats in the proposal body: `value`, `safeTxGas`, `baseGas` and `gasPrice` are sent as
decimal strings, as Safe's TypeScript API kit sends them (a uint256 does not fit a JavaScript
number); `operation` and `nonce` as JSON integers. The service reads all of these with Django
REST framework IntegerFields, which take an integer or a string of digits alike. Empty `data`
is sent as null, as Safe's Python client does.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from indexops.safe.errors import (
    SafeTxHashMismatch,
    SenderNotSigner,
    ServiceAnswerMalformed,
    ServiceError,
    ServiceOnOtherChain,
    ServiceUnavailable,
)
from indexops.safe.safe_view import SafeView, view_from_service
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.signatures import split_signatures
from indexops.values import InvalidValue, bytes32, checksummed, hex_bytes, unsigned

HOSTED_SERVICE = "https://api.safe.global/tx-service/{short_name}"
DEFAULT_TIMEOUT = 20.0
MAX_TIMEOUT = 120.0
DEFAULT_ORIGIN = "indexops"
_MAX_ERROR_BODY = 2000
PAGE_SIZE = 100
MAX_QUEUE = 1000  # transactions read from one queue at most: a service that pages on forever is cut off


def hosted_service_url(chain_short_name: str) -> str:
    """The hosted service for a chain, by its EIP-3770 short name ("eth", "arb1", "base", "sep", ...)."""
    if not chain_short_name or not chain_short_name.replace("-", "").isalnum():
        raise InvalidValue("chain short name", f"{chain_short_name!r} is not a short name like eth or arb1")
    return HOSTED_SERVICE.format(short_name=chain_short_name)


def display_service_url(url: str) -> str:
    """The service URL as shown to people: no user:password, query or fragment (the API key goes in a header)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "") + parts.path.rstrip("/")


def safe_path(safe: str) -> str:
    return f"/api/v1/safes/{checksummed(safe, 'Safe address')}/"


def proposal_path(safe: str) -> str:
    return f"/api/v2/safes/{checksummed(safe, 'Safe address')}/multisig-transactions/"


def queue_path(safe: str, nonce_from: int, offset: int) -> str:
    """Not yet executed, from `nonce_from` up, in nonce order; the service lists only trusted ones by default."""
    query = urllib.parse.urlencode(
        {"executed": "false", "nonce__gte": nonce_from, "ordering": "nonce", "limit": PAGE_SIZE, "offset": offset}
    )
    return f"{proposal_path(safe)}?{query}"


def transaction_path(safe_tx_hash_: bytes) -> str:
    return f"/api/v2/multisig-transactions/0x{bytes32(safe_tx_hash_, 'safeTxHash').hex()}/"


def confirmation_path(safe_tx_hash_: bytes) -> str:
    return f"/api/v1/multisig-transactions/0x{bytes32(safe_tx_hash_, 'safeTxHash').hex()}/confirmations/"


ABOUT_RPC_PATH = "/api/v1/about/ethereum-rpc/"


def proposal_body(
    safe_tx: SafeTx, safe_tx_hash_: bytes, sender: str, signature: bytes | str, origin: str | None = DEFAULT_ORIGIN
) -> dict[str, Any]:
    """The JSON body of a proposal, after the checks the service would make with our own data.

    The hash must be the SafeTx's, and the signature(s) must include the sender's.
    """
    claimed = bytes32(safe_tx_hash_, "safeTxHash")
    computed = safe_tx_hash(safe_tx)
    if computed != claimed:
        raise SafeTxHashMismatch(claimed, computed, "the transaction hashes to")
    sender = checksummed(sender, "sender")
    signed_by = _signers(signature, claimed)
    if sender not in signed_by:
        raise SenderNotSigner(sender, signed_by)
    return {
        "to": safe_tx.to,
        "value": str(safe_tx.value),
        "data": "0x" + safe_tx.data.hex() if safe_tx.data else None,
        "operation": safe_tx.operation,
        "safeTxGas": str(safe_tx.safe_tx_gas),
        "baseGas": str(safe_tx.base_gas),
        "gasPrice": str(safe_tx.gas_price),
        "gasToken": safe_tx.gas_token,
        "refundReceiver": safe_tx.refund_receiver,
        "nonce": safe_tx.nonce,
        "contractTransactionHash": "0x" + claimed.hex(),
        "sender": sender,
        "signature": "0x" + hex_bytes(signature, "signature").hex(),
        "origin": origin,
    }


def _signers(signature: bytes | str, digest: bytes) -> list[str]:
    return [parsed.owner for parsed in split_signatures(signature, digest)]


class TransactionService(ABC):
    """Where proposals and confirmations go and the queue is read: the hosted service or a self-hosted one."""

    display_url: str
    chain_id: int

    @abstractmethod
    def describe_safe(self, safe: str) -> SafeView | None:
        """The service's view of the Safe, or None when it does not know it."""

    @abstractmethod
    def queue(self, safe: str, nonce_from: int) -> list[dict[str, Any]]:
        """The Safe's transactions not executed yet from `nonce_from` up, as the service's JSON objects."""

    @abstractmethod
    def transaction(self, safe_tx_hash: bytes) -> dict[str, Any] | None:
        """One multisig transaction as the service's JSON object, or None when it does not know it."""

    @abstractmethod
    def propose(
        self,
        safe_tx: SafeTx,
        safe_tx_hash: bytes,
        sender: str,
        signature: bytes | str,
        origin: str | None = DEFAULT_ORIGIN,
    ) -> None: ...

    @abstractmethod
    def confirm(self, safe_tx_hash: bytes, signature: bytes | str) -> None: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would replay the Authorization header to wherever a redirect points, and turn the
    # POST into a GET; an unexpected redirect is reported as the HTTP error it is instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None


class HttpTransactionService(TransactionService):
    """The Safe Transaction Service over HTTP, standard library only."""

    def __init__(self, base_url: str, chain_id: int, *, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        if not base_url.startswith(("http://", "https://")):
            raise InvalidValue("service URL", f"{base_url!r} must start with http:// or https://")
        if not 0 < timeout <= MAX_TIMEOUT:
            raise InvalidValue("service timeout", f"must be in (0, {MAX_TIMEOUT:g}] seconds, got {timeout}")
        self.base_url = base_url.rstrip("/")
        self.display_url = display_service_url(self.base_url)
        self.chain_id = unsigned(chain_id, "chain id")
        self.timeout = timeout
        self._api_key = api_key or None
        self._opener = urllib.request.build_opener(_NoRedirect)
        self._chain_checked = False

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return (
            f"HttpTransactionService({self.display_url!r}, chain {self.chain_id}, api_key={key}, "
            f"timeout={self.timeout:g})"
        )

    def service_chain_id(self) -> int:
        """The chain the service indexes, as it says (`chain_id` of its Ethereum RPC)."""
        answer = self._json("GET", ABOUT_RPC_PATH, None, "say which chain it serves", "its RPC's description")
        chain_id = answer.get("chain_id") if isinstance(answer, dict) else None
        if isinstance(chain_id, str) and chain_id.isdigit():
            chain_id = int(chain_id)
        if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id <= 0:
            raise ServiceAnswerMalformed(self.display_url, f"chain_id is {chain_id!r}", "its RPC's description")
        return chain_id

    def describe_safe(self, safe: str) -> SafeView | None:
        self._check_chain()
        try:
            answer = self._send("GET", safe_path(safe), None, "describe the Safe")
        except ServiceError as error:
            if error.status == 404:
                return None
            raise
        return view_from_service(self._parse(answer, "a Safe's description"), self.display_url)

    def queue(self, safe: str, nonce_from: int) -> list[dict[str, Any]]:
        self._check_chain()
        found: list[dict[str, Any]] = []
        while len(found) < MAX_QUEUE:
            page = self._json("GET", queue_path(safe, nonce_from, len(found)), None, "list the queue", "a page")
            results = page.get("results") if isinstance(page, dict) else None
            if not isinstance(results, list) or not all(isinstance(item, dict) for item in results):
                raise ServiceAnswerMalformed(self.display_url, "results is not a list of objects", "a page")
            found += results
            count = page.get("count")
            if not results or not isinstance(count, int) or len(found) >= count:
                return found
        return found

    def transaction(self, safe_tx_hash: bytes) -> dict[str, Any] | None:
        self._check_chain()
        try:
            answer = self._send("GET", transaction_path(safe_tx_hash), None, "give the transaction")
        except ServiceError as error:
            if error.status == 404:
                return None
            raise
        parsed = self._parse(answer, "a multisig transaction")
        if not isinstance(parsed, dict):
            raise ServiceAnswerMalformed(self.display_url, "expected a JSON object", "a multisig transaction")
        return parsed

    def propose(
        self,
        safe_tx: SafeTx,
        safe_tx_hash: bytes,
        sender: str,
        signature: bytes | str,
        origin: str | None = DEFAULT_ORIGIN,
    ) -> None:
        body = proposal_body(safe_tx, safe_tx_hash, sender, signature, origin)
        if safe_tx.chain_id != self.chain_id:
            raise ServiceOnOtherChain(self.display_url, self.chain_id, safe_tx.chain_id)
        self._check_chain()
        self._send("POST", proposal_path(safe_tx.safe), body, "accept the proposal")

    def confirm(self, safe_tx_hash: bytes, signature: bytes | str) -> None:
        body = {"signature": "0x" + hex_bytes(signature, "signature").hex()}
        self._check_chain()
        self._send("POST", confirmation_path(safe_tx_hash), body, "accept the confirmation")

    def _check_chain(self) -> None:
        if self._chain_checked:
            return
        served = self.service_chain_id()
        if served != self.chain_id:
            raise ServiceOnOtherChain(self.display_url, served, self.chain_id)
        self._chain_checked = True

    def _json(self, method: str, path: str, body: Mapping[str, Any] | None, action: str, what: str) -> Any:
        return self._parse(self._send(method, path, body, action), what)

    def _parse(self, answer: bytes, what: str) -> Any:
        try:
            return json.loads(answer)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ServiceAnswerMalformed(self.display_url, "not JSON", what) from None

    def _send(self, method: str, path: str, body: Mapping[str, Any] | None, action: str) -> bytes:
        headers = {"Accept": "application/json", "User-Agent": "indexops"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        shown = self.display_url + path
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raise ServiceError(action, error.code, _error_text(error)) from None
        except urllib.error.URLError as error:
            raise ServiceUnavailable(shown, str(error.reason)) from None
        except (TimeoutError, OSError) as error:
            raise ServiceUnavailable(shown, str(error) or type(error).__name__) from None


def _error_text(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read().decode("utf-8", errors="replace").strip()
    except OSError:
        text = ""
    if len(text) > _MAX_ERROR_BODY:
        text = text[:_MAX_ERROR_BODY] + "..."
    return text or error.reason or "no message"
