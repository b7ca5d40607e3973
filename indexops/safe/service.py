"""Safe Transaction Service client: propose a SafeTx and add confirmations, so other owners see it.

Number formats in the proposal body: `value`, `safeTxGas`, `baseGas` and `gasPrice` are sent as
decimal strings, as Safe's TypeScript API kit sends them (a uint256 does not fit a JavaScript
number); `operation` and `nonce` as JSON integers. The service reads all of these with Django
REST framework IntegerFields, which take an integer or a string of digits alike. Empty `data`
is sent as null, as Safe's Python client does.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from indexops.safe.errors import InvalidValue, SafeTxHashMismatch, SenderNotSigner, ServiceError, ServiceUnavailable
from indexops.safe.inputs import bytes32, checksummed, hex_bytes
from indexops.safe.safetx import SafeTx, safe_tx_hash
from indexops.safe.signatures import SafeSignature, split_signatures

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
        self.timeout = timeout
        self._api_key = api_key or None
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"HttpTransactionService({self.base_url!r}, api_key={key}, timeout={self.timeout:g})"

    def propose(
        self,
        safe_tx: SafeTx,
        safe_tx_hash: bytes,
        sender: str,
        signature: bytes | str,
        origin: str | None = DEFAULT_ORIGIN,
    ) -> None:
        body = proposal_body(safe_tx, safe_tx_hash, sender, signature, origin)
        self._post(proposal_path(safe_tx.safe), body, "accept the proposal")

    def confirm(self, safe_tx_hash: bytes, signature: bytes | str) -> None:
        body = {"signature": "0x" + hex_bytes(signature, "signature").hex()}
        self._post(confirmation_path(safe_tx_hash), body, "accept the confirmation")

    def _post(self, path: str, body: Mapping[str, Any], action: str) -> bytes:
        url = self.base_url + path
        headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "indexops"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            raise ServiceError(action, error.code, _error_text(error)) from None
        except urllib.error.URLError as error:
            raise ServiceUnavailable(url, str(error.reason)) from None
        except (TimeoutError, OSError) as error:
            raise ServiceUnavailable(url, str(error) or type(error).__name__) from None


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

    With `owners` (Safe address -> owner addresses) it also refuses non-owner senders and signers.
    """

    def __init__(self, owners: Mapping[str, Sequence[str]] | None = None):
        self._owners = None if owners is None else {
            checksummed(safe, "Safe address"): {checksummed(owner, "owner") for owner in safe_owners}
            for safe, safe_owners in owners.items()
        }
        self._proposals: dict[bytes, Proposal] = {}

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
