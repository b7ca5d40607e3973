"""Safe Transaction Service client: describe a Safe, propose a SafeTx and add confirmations, so other owners see it.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexops.safe.errors import (
    SafeTxHashMismatch,
    SenderNotSigner,
    ServiceAnswerMalformed,
    ServiceError,
    ServiceUnavailable,
)
from indexops.safe.safe_view import SafeView, view_from_service
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.signatures import SafeSignature, split_signatures
from indexops.values import InvalidValue, bytes32, checksummed, hex_bytes

HOSTED_SERVICE = "https://api.safe.global/tx-service/{short_name}"
DEFAULT_TIMEOUT = 20.0
MAX_TIMEOUT = 120.0
DEFAULT_ORIGIN = "indexops"
_MAX_ERROR_BODY = 2000


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


def confirmation_path(safe_tx_hash_: bytes) -> str:
    return f"/api/v1/multisig-transactions/0x{bytes32(safe_tx_hash_, 'safeTxHash').hex()}/confirmations/"


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
    """Where proposals and confirmations go: the hosted service, a self-hosted one, or memory."""

    display_url: str = "memory"

    @abstractmethod
    def describe_safe(self, safe: str) -> SafeView | None:
        """The service's view of the Safe, or None when it does not know it."""

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

    def __init__(self, base_url: str, *, api_key: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        if not base_url.startswith(("http://", "https://")):
            raise InvalidValue("service URL", f"{base_url!r} must start with http:// or https://")
        if not 0 < timeout <= MAX_TIMEOUT:
            raise InvalidValue("service timeout", f"must be in (0, {MAX_TIMEOUT:g}] seconds, got {timeout}")
        self.base_url = base_url.rstrip("/")
        self.display_url = display_service_url(self.base_url)
        self.timeout = timeout
        self._api_key = api_key or None
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"HttpTransactionService({self.display_url!r}, api_key={key}, timeout={self.timeout:g})"

    def describe_safe(self, safe: str) -> SafeView | None:
        try:
            answer = self._send("GET", safe_path(safe), None, "describe the Safe")
        except ServiceError as error:
            if error.status == 404:
                return None
            raise
        try:
            return view_from_service(json.loads(answer), self.display_url)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ServiceAnswerMalformed(self.display_url, "not JSON") from None

    def propose(
        self,
        safe_tx: SafeTx,
        safe_tx_hash: bytes,
        sender: str,
        signature: bytes | str,
        origin: str | None = DEFAULT_ORIGIN,
    ) -> None:
        body = proposal_body(safe_tx, safe_tx_hash, sender, signature, origin)
        self._send("POST", proposal_path(safe_tx.safe), body, "accept the proposal")

    def confirm(self, safe_tx_hash: bytes, signature: bytes | str) -> None:
        body = {"signature": "0x" + hex_bytes(signature, "signature").hex()}
        self._send("POST", confirmation_path(safe_tx_hash), body, "accept the confirmation")

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


@dataclass
class Proposal:
    safe_tx: SafeTx
    sender: str
    origin: str | None
    signatures: dict[str, SafeSignature] = field(default_factory=dict)


class InMemoryTransactionService(TransactionService):
    """A stand-in for local networks and tests, making the service's own checks.

    With `owners` (Safe address -> owner addresses) it also refuses non-owner senders and signers;
    `safes` are the Safes it describes.
    """

    def __init__(self, owners: Mapping[str, Sequence[str]] | None = None, safes: Sequence[SafeView] = ()):
        self._owners = (
            None
            if owners is None
            else {
                checksummed(safe, "Safe address"): {checksummed(owner, "owner") for owner in safe_owners}
                for safe, safe_owners in owners.items()
            }
        )
        self._safes = {view.address: view for view in safes}
        self._proposals: dict[bytes, Proposal] = {}

    def describe_safe(self, safe: str) -> SafeView | None:
        return self._safes.get(checksummed(safe, "Safe address"))

    def propose(
        self,
        safe_tx: SafeTx,
        safe_tx_hash: bytes,
        sender: str,
        signature: bytes | str,
        origin: str | None = DEFAULT_ORIGIN,
    ) -> None:
        body = proposal_body(safe_tx, safe_tx_hash, sender, signature, origin)
        digest = bytes32(safe_tx_hash, "safeTxHash")
        self._check_owners(safe_tx.safe, [body["sender"]], "accept the proposal")
        proposal = self._proposals.setdefault(digest, Proposal(safe_tx, body["sender"], origin))
        self._add(proposal, signature, digest, "accept the proposal")

    def confirm(self, safe_tx_hash: bytes, signature: bytes | str) -> None:
        digest = bytes32(safe_tx_hash, "safeTxHash")
        proposal = self._proposals.get(digest)
        if proposal is None:
            message = f"no multisig transaction with safeTxHash 0x{digest.hex()}"
            raise ServiceError("accept the confirmation", 404, message)
        self._add(proposal, signature, digest, "accept the confirmation")

    def get(self, safe_tx_hash: bytes) -> Proposal | None:
        return self._proposals.get(bytes32(safe_tx_hash, "safeTxHash"))

    def pending(self, safe: str) -> list[Proposal]:
        safe = checksummed(safe, "Safe address")
        return sorted((p for p in self._proposals.values() if p.safe_tx.safe == safe), key=lambda p: p.safe_tx.nonce)

    def _add(self, proposal: Proposal, signature: bytes | str, digest: bytes, action: str) -> None:
        parsed = split_signatures(signature, digest)
        owners = [signature_.owner for signature_ in parsed]
        self._check_owners(proposal.safe_tx.safe, owners, action)
        duplicated = sorted({owner for owner in owners if owners.count(owner) > 1})
        if duplicated:
            raise ServiceError(action, 400, f"signature for owner {duplicated[0]} is duplicated")
        for signature_ in parsed:
            # a repeated confirmation by the same owner keeps the first, as the service does
            proposal.signatures.setdefault(signature_.owner, signature_)

    def _check_owners(self, safe: str, addresses: Sequence[str], action: str) -> None:
        if self._owners is None:
            return
        known = self._owners.get(safe, set())
        for address in addresses:
            if address not in known:
                raise ServiceError(action, 422, f"{address} is not an owner of {safe}")
